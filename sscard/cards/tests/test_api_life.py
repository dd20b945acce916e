"""The card-life API: the holder's cards, enabling, loss reports, replacement, the financial
function and card authentication — each refusal with its code, scoped to the caller."""

from __future__ import annotations

import base64

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, branch
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card, person
from sscard.production.virtual_card import VirtualCard
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import collect_at, dispatch, produce
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed_over():
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=BJ_PILOT_DAY))
    return unit, collect_at(unit.outlet, unit.applications[0])


def test_the_holder_lists_their_cards_and_reports_one_lost_then_withdraws(
    handed_over, django_assert_max_num_queries
):
    _unit, mine = handed_over
    me = ApiClient(AccountFactory.create(cardholder=True, person=mine.person))
    with django_assert_max_num_queries(8):
        listed = me.get("/cards/mine")
    assert listed.status_code == 200
    (only,) = listed.json()["cards"]
    assert (only["id"], only["status"], only["masked_name"]) == (
        mine.pk,
        "not_enabled",
        mine.person.masked_name,
    )
    assert "id_number" not in str(listed.json())
    reported = me.post(f"/cards/{mine.pk}/loss-reports", {"channel": "online"})
    assert reported.status_code == 201
    assert reported.json()["kind"] == "temporary"
    assert me.get(f"/cards/{mine.pk}").json()["status"] == "blocked_temporary"
    withdrawn = me.post(f"/cards/{mine.pk}/loss-reports/withdraw")
    assert withdrawn.json()["end_reason"] == "withdrawn"


def test_a_branch_card_is_not_enabled_online_and_the_refusal_says_where(handed_over):
    _unit, mine = handed_over
    me = ApiClient(AccountFactory.create(cardholder=True, person=mine.person))
    answer = me.post(f"/cards/{mine.pk}/enable")
    assert answer.status_code == 422
    body = answer.json()
    assert body["code"] == "enable_path_not_allowed"
    assert body["details"] == {"allowed": ["on_site"]}
    assert body["message_zh"]
    assert body["message_en"]


def test_the_clerk_enables_activates_and_takes_a_replacement(handed_over):
    unit, mine = handed_over
    clerk = ApiClient(AccountFactory.create(bank_clerk=True, outlet=unit.outlet))
    assert clerk.post(f"/cards/{mine.pk}/enable").json()["ss_function"] == "enabled"
    assert clerk.post(f"/cards/{mine.pk}/activate-financial").json()["financial_function"] == (
        "activated"
    )
    replaced = clerk.post(
        f"/cards/{mine.pk}/replacements",
        {"reason": "damaged", "channel": "bank_outlet", "pickup": "branch"},
    )
    assert replaced.status_code == 201, replaced.json()
    assert (replaced.json()["card_generation"], replaced.json()["clause"]) == (3, "BJ-11")


def test_another_bank_is_refused_and_nothing_changes(handed_over):
    unit, mine = handed_over
    ApiClient(AccountFactory.create(bank_clerk=True, outlet=unit.outlet)).post(
        f"/cards/{mine.pk}/enable"
    )
    # a BOC clerk reaches the card through the holder's ID at the counter, not by id
    boc = ApiClient(AccountFactory.create(bank_clerk=True, outlet=branch("BOC")))
    assert boc.post(f"/cards/{mine.pk}/activate-financial").json()["code"] == "not_found"
    mine.refresh_from_db()
    assert mine.financial_function == "not_activated"


def test_nobody_else_sees_or_touches_the_card(handed_over):
    _unit, mine = handed_over
    stranger = ApiClient(AccountFactory.create(cardholder=True, person=person()))
    party = ApiClient(AccountFactory.create(api_client=True))
    for client in (stranger, party):
        assert client.get(f"/cards/{mine.pk}").json()["code"] == "not_found"
        assert client.post(f"/cards/{mine.pk}/loss-reports", {"channel": "online"}).status_code in (
            403,
            404,
        )
    assert party.get("/cards/mine").json()["cards"] == []
    mine.refresh_from_db()
    assert mine.block == "none"


def test_challenge_through_the_api_and_a_bad_signature_encoding(handed_over):
    _unit, mine = handed_over
    party = ApiClient(AccountFactory.create(api_client=True))
    issued = party.post("/cards/challenges", {"card_number": mine.card_number})
    assert issued.status_code == 201
    body = issued.json()
    assert body["verification"]["status"] == "not_enabled"
    bad = party.post(f"/cards/challenges/{body['code']}/answer", {"signature": "not base64!"})
    assert (bad.status_code, bad.json()["code"]) == (422, "signature_encoding")
    signature = VirtualCard(mine).answer(bytes.fromhex(body["nonce"]))
    good = party.post(
        f"/cards/challenges/{body['code']}/answer",
        {"signature": base64.b64encode(signature).decode()},
    )
    assert good.json()["authenticated"] is True


def test_an_old_system_card_has_no_certificate_and_does_not_authenticate():
    legacy = card(person(), ss_function="enabled")
    party = ApiClient(AccountFactory.create(api_client=True))
    body = party.post("/cards/challenges", {"card_number": legacy.card_number}).json()
    answer = party.post(
        f"/cards/challenges/{body['code']}/answer",
        {"signature": base64.b64encode(b"0" * 70).decode()},
    ).json()
    assert (answer["authenticated"], answer["reason"]) == (False, "no_certificate")


def test_a_card_not_made_by_its_due_date_shows_as_overdue():
    # given a pilot collective submitted in March 2024, due 30 days later (BJ-11)
    from sscard.production.services import batches_form
    from sscard.testing.card_life import OPERATOR, card_of, factory_round_trip, personalise

    unit = beijing_pilot_unit()
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    card_ = card_of(unit.applications[0])
    me = ApiClient(AccountFactory.create(cardholder=True, person=card_.person))
    # then while it is not made, the holder sees it overdue (today is long past the due day)
    assert me.get(f"/cards/{card_.pk}").json()["overdue"] is True
    # and once the factory has made it, it is not
    personalise(batch)
    factory_round_trip(batch, day=BJ_PILOT_DAY)
    assert me.get(f"/cards/{card_.pk}").json()["overdue"] is False

"""The expiry and renewal API (issue 15 point 4): an expired card answers ``expired`` on
verification and in the challenge check; the expiring cards list is scoped to the caller and
masked; telling the holders is the bureau's, once; a renewal goes through at a counter and
online, and is refused with its code otherwise."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import BJ_PILOT_DAY, branch, in_force
from sscard.cards.models import Card, CardRenewalNotice
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card, person
from sscard.core.clock import today
from sscard.notifications.models import OutboxMessage
from sscard.portal.models import Account
from sscard.production.virtual_card import VirtualCard
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import collect_at, dispatch, id_number_of, produce
from sscard.testing.factories import AccountFactory, EmployerFactory

pytestmark = pytest.mark.django_db
CHAOYANG = "110105"


def _card(days_left: int, **person_kwargs: object) -> Card:
    return card(
        person(**person_kwargs),
        ss_function="enabled",
        valid_until=today() + timedelta(days=days_left),
    )


# --- an expired card answers expired ----------------------------------------------------------


def test_a_card_that_ran_out_yesterday_answers_expired_and_one_running_out_today_does_not():
    party = ApiClient(AccountFactory.create(api_client=True))
    gone, last_day = _card(-1), _card(0)
    answer = party.post("/cards/verify", {"card_number": gone.card_number})
    assert (answer.status_code, answer.json()["status"]) == (200, "expired")
    assert party.post("/cards/verify", {"card_number": last_day.card_number}).json()["status"] == (
        "valid"
    )


def test_the_challenge_check_of_a_card_run_out_answers_expired():
    # given a card made with its key and certificate, whose term ended yesterday
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=BJ_PILOT_DAY))
    made = collect_at(unit.outlet, unit.applications[0])
    Card.objects.filter(pk=made.pk).update(valid_until=today() - timedelta(days=1))
    party = ApiClient(AccountFactory.create(api_client=True))
    # when a relying party challenges it
    issued = party.post("/cards/challenges", {"card_number": made.card_number})
    assert issued.status_code == 201
    assert issued.json()["verification"]["status"] == "expired"
    # then the chip still proves its key, and the check answers the card expired
    signature = VirtualCard(made).answer(bytes.fromhex(issued.json()["nonce"]))
    answered = party.post(
        f"/cards/challenges/{issued.json()['code']}/answer",
        {"signature": base64.b64encode(signature).decode()},
    ).json()
    assert answered["verification"]["status"] == "expired"


# --- the list, scoped ----------------------------------------------------------------------


def _listed(account: Account, **params: object) -> set[int]:
    answer = ApiClient(account).get("/cards/expiring", **params)
    assert answer.status_code == 200, answer.json()
    return {row["card_id"] for row in answer.json()["items"]}


def test_each_role_lists_the_expiring_cards_of_its_own_scope(django_assert_max_num_queries):
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    staff = _card(10, employer=employer)
    xicheng = _card(30)
    chaoyang = _card(60, insured_region=CHAOYANG, hukou_region=CHAOYANG)
    _card(120)  # not yet in the ninety days
    _card(-3)  # run out: on the other list
    city = ApiClient(AccountFactory.create())
    with django_assert_max_num_queries(12):
        answer = city.get("/cards/expiring")
    rows = answer.json()["items"]
    assert [r["card_id"] for r in rows] == [staff.pk, xicheng.pk, chaoyang.pk]
    first = rows[0]
    assert first["masked_name"] == staff.person.masked_name
    assert first["masked_id_number"] == staff.person.masked_id_number
    assert "*" in first["masked_id_number"]
    # the district by its name, never only its code
    assert first["district"] == "110102"
    assert "西城区" in first["district_zh"]
    assert first["district_en"]
    assert (first["days_left"], first["told"], first["renewal_open"]) == (10, False, False)
    assert _listed(AccountFactory.create(district_officer=True)) == {staff.pk, xicheng.pk}
    assert _listed(AccountFactory.create(employer_hr=True, employer=employer)) == {staff.pk}
    assert _listed(AccountFactory.create(employer_hr=True)) == set()
    assert _listed(AccountFactory.create(cardholder=True, person=chaoyang.person)) == {chaoyang.pk}
    assert _listed(AccountFactory.create(), district=CHAOYANG) == {chaoyang.pk}
    assert _listed(AccountFactory.create(), within_days=20) == {staff.pk}
    assert len(_listed(AccountFactory.create(), expired="true")) == 1
    clerk = ApiClient(AccountFactory.create(bank_clerk=True)).get("/cards/expiring")
    assert (clerk.status_code, clerk.json()["code"]) == (403, "permission_denied")


def test_a_bad_filter_is_refused():
    answer = ApiClient(AccountFactory.create()).get("/cards/expiring", district="xicheng")
    assert answer.status_code == 422


def test_the_officer_tells_the_holders_once_and_hr_may_not():
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    staff = _card(10, employer=employer)
    hr = ApiClient(AccountFactory.create(employer_hr=True, employer=employer))
    refused = hr.post("/cards/expiring/notices")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert not CardRenewalNotice.objects.exists()
    city = ApiClient(AccountFactory.create())
    assert city.post("/cards/expiring/notices").json() == {
        "cards": 1,
        "queued": 1,
        "no_phone": 0,
        "no_template": 0,
    }
    assert city.post("/cards/expiring/notices").json()["cards"] == 0
    assert OutboxMessage.objects.filter(person_id=staff.person_id).count() == 1
    (row,) = city.get("/cards/expiring").json()["items"]
    assert (row["told"], row["holder_texted"]) == (True, True)


# --- renewal ------------------------------------------------------------------------------


def test_a_clerk_renews_a_staff_members_card_at_the_branch_counter():
    # given a Beijing staff member (the June wave is open) whose card runs out in 30 days
    in_force("beijing-2024")
    old = _card(30, employer=EmployerFactory.create())
    outlet = branch("ICBC")
    clerk = ApiClient(AccountFactory.create(bank_clerk=True, outlet=outlet))
    answer = clerk.post(
        f"/cards/{old.pk}/renewals",
        {"id_number": id_number_of(old.person), "pickup": "branch"},
    )
    assert answer.status_code == 201, answer.json()
    assert (answer.json()["card_generation"], answer.json()["rule_id"]) == (
        3,
        "rollout-replace-regular",
    )
    application = Application.objects.get(pk=answer.json()["application_id"])
    assert (application.action, application.channel) == ("renewal", "bank_outlet")
    (row,) = ApiClient(AccountFactory.create()).get("/cards/expiring").json()["items"]
    assert row["renewal_open"] is True


def test_a_holder_renews_online_and_not_before_the_notice_period():
    in_force("beijing-2024")
    due = _card(30, category="retiree")
    me = ApiClient(AccountFactory.create(cardholder=True, person=due.person))
    answer = me.post(f"/cards/{due.pk}/renewals", {})
    assert answer.status_code == 201, answer.json()
    # BJ-10: outside the waves, the old channels and the old card style
    assert (answer.json()["card_generation"], answer.json()["rule_id"]) == (
        2,
        "rollout-old-channels",
    )
    early = _card(200, category="retiree")
    them = ApiClient(AccountFactory.create(cardholder=True, person=early.person))
    refused = them.post(f"/cards/{early.pk}/renewals", {})
    assert (refused.status_code, refused.json()["code"]) == (409, "renewal_not_due")
    assert not Application.objects.filter(person=early.person).exists()


def test_a_holder_cannot_renew_someone_elses_card():
    in_force("beijing-2024")
    theirs = _card(30, category="retiree")
    stranger = ApiClient(AccountFactory.create(cardholder=True))
    answer = stranger.post(f"/cards/{theirs.pk}/renewals", {})
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert not Application.objects.exists()


def test_hr_renews_no_card_not_even_their_staffs():
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    staff = _card(30, employer=employer)
    other_hr = ApiClient(AccountFactory.create(employer_hr=True))
    answer = other_hr.post(f"/cards/{staff.pk}/renewals", {"channel": "collective_online"})
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    own_hr = ApiClient(AccountFactory.create(employer_hr=True, employer=employer))
    answer = own_hr.post(f"/cards/{staff.pk}/renewals", {"channel": "collective_online"})
    assert (answer.status_code, answer.json()["code"]) == (403, "permission_denied")
    assert not Application.objects.exists()

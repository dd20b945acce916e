"""Page and API parity at the counter (issue 9, point 3): every counter scenario is run through
the page (``/cards/counter/``, a signed-in clerk posting as htmx does) and through the API (a
clerk's bearer token, ``/api/v1/…``) on two cards in the same state, and both must end the
same way — the same error code, or the same card facets — and offer the action exactly when
the service accepts it (the page's button, the API's ``actions``).

A posted card's financial function opens at any outlet of the issuing bank, another bank's is
refused, and online is refused (BJ-08 (2)).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sscard.applications.models import Application
from sscard.applications.tests.support import branch, centre, in_force
from sscard.cards.choices import LossChannel
from sscard.cards.models import Card
from sscard.cards.services import card_activate_financial, card_report_loss
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.core.actors import Actor, Role
from sscard.core.models import AuditEvent
from sscard.delivery.counter import COUNTER_ACTIONS, INSTANT_REPLACEMENT
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record
from sscard.delivery.tests.page_support import in_hands, in_stock, today
from sscard.network.models import Outlet
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import clerk_of, dispatch, id_number_of, produce
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
COUNTER = "/cards/counter/"
POST = Actor(role=Role.POST, label="China Post")
# The code in a refused row or on the error page: the first snake_case word of the alert.
ALERT_CODE = re.compile(r'role="alert".*?\b([a-z]+(?:_[a-z0-9]+)+)\b', re.S)


@dataclass(frozen=True)
class Given:
    """Two holders whose cards are in the same state, and the outlet the cards belong to."""

    home: Outlet
    holders: list[tuple[Card, str]]


def _branch_cards(*, enabled: bool = False) -> Given:
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    holders = []
    for _ in range(2):
        _person, id_number, card = in_hands(home, enabled=enabled)
        holders.append((card, id_number))
    return Given(home, holders)


def branch_in_hands() -> Given:
    """Collected at the branch (pickup ``branch``: both functions on site, BJ-08 (1))."""
    return _branch_cards()


def branch_enabled() -> Given:
    return _branch_cards(enabled=True)


def branch_activated() -> Given:
    given = _branch_cards(enabled=True)
    for card, _id_number in given.holders:
        card_activate_financial(actor=clerk_of(given.home), card=card, today=today())
    return given


def branch_reported() -> Given:
    given = _branch_cards(enabled=True)
    for card, _id_number in given.holders:
        card_report_loss(
            actor=clerk_of(given.home),
            card=card,
            channel=LossChannel.COUNTER,
            today=today(),
            formal=True,
        )
    return given


def in_stock_here() -> Given:
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    holders = []
    for _ in range(2):
        _person, id_number, card = in_stock(home)
        holders.append((card, id_number))
    return Given(home, holders)


def posted() -> Given:
    """Two pilot staff whose cards the post delivered (pickup ``post``, BJ-08 (2))."""
    unit = beijing_pilot_unit(size=2, pickup="post")
    dispatch(produce(day=unit.applications[0].applied_on))
    when = datetime(2024, 4, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    for shipment in Shipment.objects.filter(method="post").order_by("pk"):
        assert shipment.tracking_number is not None
        post_event_record(
            actor=POST, tracking_number=shipment.tracking_number, kind="delivered", occurred_at=when
        )
    cards = list(Card.objects.filter(person__in=unit.staff).order_by("pk"))
    assert [c.stage for c in cards] == ["handed_over", "handed_over"]
    assert all(c.handed_over_outlet_id is None for c in cards)
    return Given(unit.outlet, [(c, id_number_of(c.person)) for c in cards])


GIVENS: dict[str, Callable[[], Given]] = {
    "branch_in_hands": branch_in_hands,
    "branch_enabled": branch_enabled,
    "branch_activated": branch_activated,
    "branch_reported": branch_reported,
    "in_stock": in_stock_here,
    "posted": posted,
}


def outlet_for(where: str, given: Given, card: Card) -> Outlet:
    """home: the card's outlet; same_bank: another outlet of the issuing bank; other_bank; a
    community centre."""
    if where == "home":
        return given.home
    if where == "same_bank":
        found = branch(card.bank_code, name="同行另一支行")
    elif where == "other_bank":
        found = branch("CCB" if card.bank_code != "CCB" else "ICBC", name="他行支行")
    else:
        found = centre(name="朝阳区测试社区事务受理中心")
    assert isinstance(found, Outlet)
    return found


def clerk_account(outlet: Outlet) -> Any:
    if outlet.kind == "community_centre":
        return AccountFactory.create(community_clerk=True, outlet=outlet)
    return AccountFactory.create(bank_clerk=True, outlet=outlet)


# --- the two ways in ---------------------------------------------------------------------------


def page_act(client: Client, card: Card, action: str, id_number: str) -> str | None:
    """The action through the page, confirmed where the page asks first; answers the
    refusal's code, or None."""
    data = {"id_number": id_number, "confirm": "1"}
    if action == "replace":
        data.update(reason="damaged", mode="regular", pickup="")
    response = client.post(f"{COUNTER}{card.pk}/{action}/", data, HTTP_HX_REQUEST="true")
    found = ALERT_CODE.search(response.content.decode())
    if response.status_code >= 400:
        assert found is not None, response.content.decode()
    return found.group(1) if found else None


API_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "hand-over": ("hand-over", {}),
    "visit-hand-over": ("visit-hand-over", {}),
    "enable": ("enable", {}),
    "activate-financial": ("activate-financial", {}),
    "close-financial": ("close-financial", {}),
    "report-loss": ("loss-reports", {"channel": "counter", "formal": True}),
    "report-loss-temporary": ("loss-reports", {"channel": "counter", "formal": False}),
    "withdraw-loss": ("loss-reports/withdraw", {}),
    "replace": ("replacements", {"reason": "damaged"}),
    "password-reset": ("password-resets", {}),
}


def api_act(api: ApiClient, card: Card, action: str, id_number: str) -> str | None:
    path, extra = API_CALLS[action]
    response = api.post(f"/cards/{card.pk}/{path}", {"id_number": id_number, **extra})
    body = response.json()
    if response.status_code >= 400:
        assert body["message_zh"]
        assert body["message_en"]
        return str(body["code"])
    assert "code" not in body or response.status_code < 300
    return None


def page_offers(client: Client, card: Card, id_number: str) -> set[str]:
    served = client.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    body = served.content.decode()
    offered = {a for a in COUNTER_ACTIONS if f"{COUNTER}{card.pk}/{a}/" in body}
    if "replace" in offered and 'value="instant"' in body:
        offered.add(INSTANT_REPLACEMENT)
    return offered


def api_offers(api: ApiClient, card: Card, id_number: str) -> set[str]:
    served = api.post("/outlets/counter/serve", {"id_number": id_number})
    assert served.status_code == 200, served.json()
    (found,) = [c for c in served.json()["cards"] if c["id"] == card.pk]
    return set(found["actions"])


def facets(card: Card) -> tuple[Any, ...]:
    card.refresh_from_db()
    replacements = Application.objects.filter(
        person_id=card.person_id, action__startswith="replace"
    ).count()
    return (
        card.stage,
        card.ss_function,
        card.financial_function,
        card.block,
        card.handed_over_outlet_id is not None,
        replacements,
    )


# --- the table ---------------------------------------------------------------------------------

OK = None
SCENARIOS = [
    # (given, action, where, expected code or OK, the facet an accepted action changes)
    ("branch_in_hands", "enable", "home", OK, ("ss_function", "enabled")),
    ("branch_in_hands", "enable", "same_bank", "enable_path_not_allowed", None),
    ("branch_in_hands", "activate-financial", "home", OK, ("financial_function", "activated")),
    ("branch_in_hands", "activate-financial", "same_bank", "financial_activation_path", None),
    (
        "branch_in_hands",
        "activate-financial",
        "other_bank",
        "financial_activation_wrong_bank",
        None,
    ),
    ("branch_in_hands", "activate-financial", "centre", "financial_activation_wrong_bank", None),
    ("branch_in_hands", "close-financial", "home", "financial_not_active", None),
    ("branch_activated", "close-financial", "home", OK, ("financial_function", "closed")),
    ("branch_activated", "close-financial", "other_bank", "financial_activation_wrong_bank", None),
    ("branch_activated", "activate-financial", "home", "financial_not_activatable", None),
    ("branch_enabled", "enable", "home", "card_not_enableable", None),
    ("branch_enabled", "report-loss", "home", OK, ("block", "formal")),
    ("branch_enabled", "report-loss", "centre", OK, ("block", "formal")),
    ("branch_enabled", "withdraw-loss", "home", "loss_not_reported", None),
    ("branch_enabled", "replace", "home", OK, ("replacements", 1)),
    ("branch_reported", "withdraw-loss", "same_bank", OK, ("block", "none")),
    ("branch_reported", "report-loss", "home", "loss_already_reported", None),
    ("in_stock", "hand-over", "home", OK, ("stage", "handed_over")),
    ("in_stock", "hand-over", "same_bank", "not_found", None),
    ("in_stock", "enable", "home", "card_not_handed_over", None),
    ("in_stock", "report-loss", "home", "card_not_in_holders_hands", None),
    ("in_stock", "replace", "home", "card_not_in_holders_hands", None),
    # a posted card: its financial function at any outlet of the issuing bank, nowhere else
    ("posted", "activate-financial", "same_bank", OK, ("financial_function", "activated")),
    ("posted", "activate-financial", "home", OK, ("financial_function", "activated")),
    ("posted", "activate-financial", "other_bank", "financial_activation_wrong_bank", None),
    ("posted", "activate-financial", "centre", "financial_activation_wrong_bank", None),
    ("posted", "enable", "same_bank", "enable_path_not_allowed", None),
    ("posted", "report-loss", "other_bank", OK, ("block", "formal")),
    # the password reset (issue 15 point 7): a card in force, at the kinds of outlet the pack
    # names (Beijing: partner bank outlets); it changes no facet, so its accepted path is
    # compared in test_password_reset.py
    ("branch_in_hands", "password-reset", "home", "password_reset_card_state", None),
    ("branch_enabled", "password-reset", "centre", "password_reset_outlet_kind", None),
    ("branch_reported", "password-reset", "home", "password_reset_card_state", None),
    ("in_stock", "password-reset", "home", "password_reset_card_state", None),
]
FACET_INDEX = {
    "stage": 0,
    "ss_function": 1,
    "financial_function": 2,
    "block": 3,
    "replacements": 5,
}


@pytest.mark.parametrize(
    ("given_name", "action", "where", "expected", "change"),
    SCENARIOS,
    ids=[f"{g}-{a}-{w}" for g, a, w, _e, _c in SCENARIOS],
)
def test_the_page_and_the_api_end_the_same_way(
    given_name: str,
    action: str,
    where: str,
    expected: str | None,
    change: tuple[str, Any] | None,
    client_for: Callable[[Any], Client],
) -> None:
    # given two holders whose cards are in the same state, and a clerk at ``where``
    given = GIVENS[given_name]()
    (page_card, page_id), (api_card, api_id) = given.holders
    outlet = outlet_for(where, given, page_card)
    account = clerk_account(outlet)
    page, api = client_for(account), ApiClient(account)
    before = facets(page_card)
    assert facets(api_card) == before
    # the action is offered by both exactly when the service will accept it
    offered_by_page = page_offers(page, page_card, page_id)
    assert offered_by_page == api_offers(api, api_card, api_id)
    assert (action in offered_by_page) == (expected is OK)
    audit_before = AuditEvent.objects.count()

    # when the clerk acts through the page on one card and through the API on the other
    page_code = page_act(page, page_card, action, page_id)
    audit_after_page = AuditEvent.objects.count()
    api_code = api_act(api, api_card, action, api_id)

    # then both end the same way: the same code, the same facets
    assert page_code == api_code == expected
    after = facets(page_card)
    assert facets(api_card) == after
    if expected is OK:
        assert change is not None
        facet, value = change
        assert after[FACET_INDEX[facet]] == value
        assert after != before
    else:
        # a refusal changes nothing, and writes no audit event
        assert after == before
        assert audit_after_page == audit_before
        assert AuditEvent.objects.count() == audit_before


def test_online_the_holder_cannot_open_a_posted_cards_financial_function(client_for):
    # given a card the post delivered
    given = posted()
    card, _id_number = given.holders[0]
    account = AccountFactory.create(cardholder=True, person=card.person)
    holder_page, holder_api = client_for(account), ApiClient(account)
    # then the holder's page offers enabling online (the pack's path) and nothing financial
    page = holder_page.get("/me/cards/").content.decode()
    assert f"/me/cards/{card.pk}/enable/" in page
    assert "activate-financial" not in page
    # and the API refuses activation online, with the way to go, changing nothing
    before = facets(card)
    refused = holder_api.post(f"/cards/{card.pk}/activate-financial")
    assert refused.status_code == 422
    body = refused.json()
    assert body["code"] == "financial_activation_online_refused"
    assert "发卡银行任一服务网点" in body["message_zh"]
    assert "any outlet of the issuing bank" in body["message_en"]
    assert facets(card) == before


def test_the_holder_enables_a_posted_card_online_on_the_page_and_through_the_api(client_for):
    given = posted()
    (first, _), (second, _) = given.holders
    page = client_for(AccountFactory.create(cardholder=True, person=first.person))
    api = ApiClient(AccountFactory.create(cardholder=True, person=second.person))
    page.post(f"/me/cards/{first.pk}/enable/", HTTP_HX_REQUEST="true")
    answered = api.post(f"/cards/{second.pk}/enable")
    assert answered.status_code == 200, answered.json()
    assert facets(first) == facets(second)
    assert facets(first)[1] == "enabled"


BAD_ID_NUMBERS = [
    ("", "id_number_required"),
    ("   ", "id_number_required"),
    ("11010519491231002", "id_length"),
    ("11010519491231002A", "id_format"),
    ("110105194912310020", "id_check_digit"),
]


@pytest.mark.parametrize(
    "action", ["enable", "activate-financial", "report-loss", "hand-over", "password-reset"]
)
def test_bad_input_gets_the_same_code_on_both_and_changes_nothing(action, client_for):
    # given two holders with their cards in hands at the outlet
    given = branch_in_hands()
    (card, _id_number), (_other, other_id) = given.holders
    account = clerk_account(given.home)
    page, api = client_for(account), ApiClient(account)
    before, audit = facets(card), AuditEvent.objects.count()
    # when the clerk sends a missing or malformed ID number, or another person's
    for id_number, code in [*BAD_ID_NUMBERS, (other_id, "not_found")]:
        # then the page and the API refuse it with the same stable code (and zh/en messages)
        assert page_act(page, card, action, id_number) == code, id_number
        assert api_act(api, card, action, id_number) == code, id_number
    # and nothing changes
    assert facets(card) == before
    assert AuditEvent.objects.count() == audit


def test_the_served_holder_costs_few_queries_through_the_api():
    given = branch_enabled()
    card, id_number = given.holders[0]
    api = ApiClient(clerk_account(given.home))
    # (token, account, outlet, person, cards, shipments, loss reports, the holder's open
    # replacement application, pack in force, and the card's pack for its paths and its
    # progress); beside these reads, serving writes its access event: a
    # savepoint around the audit chain's head, the event, the head, and the hourly count
    with CaptureQueriesContext(connection) as queries:
        served = api.post("/outlets/counter/serve", {"id_number": id_number})
    access_event = [
        q for q in queries.captured_queries if "core_audit" in q["sql"] or "SAVEPOINT" in q["sql"]
    ]
    assert len(queries.captured_queries) - len(access_event) <= 10
    assert len(access_event) <= 6
    body = served.json()
    assert served.status_code == 200
    assert body["masked_name"] == card.person.masked_name
    assert "id_number" not in str(body)
    (only,) = body["cards"]
    # enabled, its bank account not yet open: open it, report it lost (formally, or for the
    # pack's temporary term), replace it, or reset its password (a card in force at a bank)
    assert only["actions"] == [
        "activate-financial",
        "report-loss",
        "report-loss-temporary",
        "replace",
        "password-reset",
    ]

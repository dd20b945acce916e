"""Only possible actions (issue 12, point 2): a card is walked through every state of its life —
ordered, personalised, made, dispatched, at the outlet, handed over, enabled, temporarily and
formally reported lost, replaced after a loss or after damage, void when its replacement is
enabled, cancelled as defective — and in each, every action of the counter and of the holder's
page is offered exactly when its service accepts it. The service is called for real, inside a
savepoint that is rolled back, so the next state starts from the same facts.

The counter's page and its API twin must list the same actions, and the holder's page draws
its buttons by the same predicates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from sscard.applications.tests.support import branch, holder, in_force
from sscard.cards.choices import LossChannel
from sscard.cards.models import Card
from sscard.cards.rules import counter_replacement_channel, counter_replacement_defaults
from sscard.cards.services import (
    card_activate_financial,
    card_close_financial,
    card_enable,
    card_loss_withdraw,
    card_password_reset_record,
    card_replacement_apply,
    card_report_loss,
)
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.delivery.counter import COUNTER_ACTIONS, INSTANT_REPLACEMENT
from sscard.delivery.services import (
    card_hand_over,
    outlet_receive,
    replacement_instant,
    visit_hand_over,
)
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.network.models import Outlet
from sscard.production.services import batches_form
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import OPERATOR, clerk_of, dispatch, factory_round_trip, personalise
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
COUNTER = "/cards/counter/"
MINE = "/me/cards/"
HOLDER_ACTIONS = ("enable", "report-loss", "withdraw-loss")


NOTHING: tuple[set[str], set[str]] = (set(), set())
IN_HANDS = {"report-loss", "report-loss-temporary", "replace"}
# (the counter's actions, the holder's) in each state; a branch card is enabled on site only.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "ordered": NOTHING,
    "personalised": NOTHING,
    "made": NOTHING,
    "cancelled as defective": NOTHING,
    "dispatched": NOTHING,
    "at the outlet": ({"hand-over"}, set()),
    "handed over": ({"enable", "activate-financial", *IN_HANDS}, {"report-loss"}),
    # a card in force: its password may be reset at a bank outlet (the pack's password_reset)
    "enabled": ({"activate-financial", *IN_HANDS, "password-reset"}, {"report-loss"}),
    # a temporary report: confirmed formally, withdrawn, or the card replaced
    "temporarily lost (online)": ({"report-loss", "withdraw-loss", "replace"}, {"withdraw-loss"}),
    "temporarily lost (at the counter)": (
        {"report-loss", "withdraw-loss", "replace"},
        {"withdraw-loss"},
    ),
    # once a replacement is applied for, the report stands (the packs' withdrawable_until)
    "temporarily lost, replaced after damage": ({"report-loss"}, set()),
    "replaced, new card ordered": ({"report-loss"}, set()),
    "void: replaced by an enabled card": NOTHING,
    "the new card enabled": (
        {"activate-financial", *IN_HANDS, "password-reset"},
        {"report-loss"},
    ),
    "formally lost": ({"withdraw-loss", "replace"}, {"withdraw-loss"}),
    "lost and replaced": NOTHING,
}


class _Rollback(Exception):
    """Raised after a service accepted, to undo what it wrote."""


def accepts(call: Callable[[], object]) -> bool:
    """Whether the service accepts: run it in a savepoint, then roll it back."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except ApplicationError:
        return False


@dataclass
class Counter:
    """The counter of the outlet the card is collected at, its page and its API."""

    outlet: Outlet
    clerk: Actor
    page: Client
    api: ApiClient


def counter_calls(at: Counter, card: Card, id_number: str) -> dict[str, Callable[[], Any]]:
    """Each counter action as the page's view calls its service."""
    clerk, day = at.clerk, today()

    def fresh() -> Card:
        return Card.objects.select_related("person", "application").get(pk=card.pk)

    def replace() -> Any:
        this = fresh()
        channel = counter_replacement_channel(at.outlet, this)
        defaults = counter_replacement_defaults(
            at.outlet, this, reason="damaged", channel=channel, day=day
        )
        return card_replacement_apply(
            actor=clerk,
            card=this,
            reason="damaged",
            channel=channel,
            day=day,
            pickup=defaults.pickup,
            backup_centre_id=defaults.backup_centre_id,
        )

    return {
        "hand-over": lambda: card_hand_over(actor=clerk, card=fresh(), id_number=id_number),
        "visit-hand-over": lambda: visit_hand_over(
            actor=clerk, card=fresh(), id_number=id_number, today=day
        ),
        "enable": lambda: card_enable(actor=clerk, card=fresh(), today=day),
        "activate-financial": lambda: card_activate_financial(actor=clerk, card=fresh(), today=day),
        "close-financial": lambda: card_close_financial(actor=clerk, card=fresh()),
        "report-loss": lambda: card_report_loss(
            actor=clerk, card=fresh(), channel=LossChannel.COUNTER, today=day, formal=True
        ),
        "report-loss-temporary": lambda: card_report_loss(
            actor=clerk, card=fresh(), channel=LossChannel.COUNTER, today=day, formal=False
        ),
        "withdraw-loss": lambda: card_loss_withdraw(actor=clerk, card=fresh(), today=day),
        "replace": replace,
        INSTANT_REPLACEMENT: lambda: replacement_instant(
            actor=clerk, card=fresh(), reason="damaged", id_number=id_number, day=day
        ),
        "password-reset": lambda: card_password_reset_record(
            actor=clerk, card=fresh(), id_number=id_number, today=day
        ),
    }


def holder_calls(card: Card) -> dict[str, Callable[[], Any]]:
    me, day = holder(card.person), today()

    def fresh() -> Card:
        return Card.objects.select_related("person", "application").get(pk=card.pk)

    return {
        "enable": lambda: card_enable(actor=me, card=fresh(), today=day),
        "report-loss": lambda: card_report_loss(
            actor=me, card=fresh(), channel=LossChannel.ONLINE, today=day
        ),
        "withdraw-loss": lambda: card_loss_withdraw(actor=me, card=fresh(), today=day),
    }


def counter_offers(at: Counter, card: Card, id_number: str) -> set[str]:
    body = at.page.post(f"{COUNTER}serve/", {"id_number": id_number}, HTTP_HX_REQUEST="true")
    text = body.content.decode()
    offered = {a for a in COUNTER_ACTIONS if f"{COUNTER}{card.pk}/{a}/" in text}
    if "replace" in offered and 'value="instant"' in text:
        offered.add(INSTANT_REPLACEMENT)
    served = at.api.post("/outlets/counter/serve", {"id_number": id_number}).json()
    (found,) = [c for c in served["cards"] if c["id"] == card.pk]
    assert set(found["actions"]) == offered, "the API lists what the page offers"
    return offered


def holder_offers(page: Client, card: Card) -> set[str]:
    text = page.get(MINE).content.decode()
    return {a for a in HOLDER_ACTIONS if f"{MINE}{card.pk}/{a}/" in text}


def check(state: str, at: Counter, holder_page: Client, card: Card, id_number: str) -> None:
    """In ``state``, each action is offered exactly when its service accepts it."""
    offered = counter_offers(at, card, id_number)
    accepted = {a for a, call in counter_calls(at, card, id_number).items() if accepts(call)}
    assert offered == accepted, f"{state}: the counter offers {offered}, accepts {accepted}"
    mine = holder_offers(holder_page, card)
    allowed = {a for a, call in holder_calls(card).items() if accepts(call)}
    assert mine == allowed, f"{state}: the holder's page offers {mine}, accepts {allowed}"
    # and what that is, state by state, as the notices and the packs say
    assert (offered, mine) == EXPECTED[state], state


def test_every_state_of_a_card_offers_exactly_what_its_services_accept(client_for):
    # given a holder (and a neighbour whose card the factory spoils) applying at a branch
    in_force("beijing-2024")
    home = branch("ICBC", name="工商银行朝阳支行")
    person, id_number = applicant()
    neighbour, neighbours_id = applicant()
    for someone in (person, neighbour):
        applied_at(home, someone)
    clerk_account = AccountFactory.create(bank_clerk=True, outlet=home)
    at = Counter(home, clerk_of(home), client_for(clerk_account), ApiClient(clerk_account))
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    clerk, day = at.clerk, today()

    def card() -> Card:
        """The holder's first card (the one walked until its replacement)."""
        found = Card.objects.select_related("person", "application").filter(person=person)
        first = found.order_by("pk").first()
        assert first is not None
        return first

    # when the card is ordered, personalised, made (the neighbour's spoiled), and so on
    (batch,) = batches_form(actor=OPERATOR, today=day)
    check("ordered", at, me, card(), id_number)
    personalise(batch)
    check("personalised", at, me, card(), id_number)
    spoiled = Card.objects.get(person=neighbour).card_number
    result = factory_round_trip(batch, day=day, defective=[spoiled])
    check("made", at, me, card(), id_number)
    void = Card.objects.get(card_number=spoiled)
    check("cancelled as defective", at, me, void, neighbours_id)
    assert result.remake_batch is not None
    dispatch([batch])
    check("dispatched", at, me, card(), id_number)
    outlet_receive(actor=clerk)
    check("at the outlet", at, me, card(), id_number)
    card_hand_over(actor=clerk, card=card(), id_number=id_number)
    check("handed over", at, me, card(), id_number)
    card_enable(actor=clerk, card=card(), today=day)
    check("enabled", at, me, card(), id_number)
    card_report_loss(actor=holder(person), card=card(), channel=LossChannel.ONLINE, today=day)
    check("temporarily lost (online)", at, me, card(), id_number)
    card_loss_withdraw(actor=clerk, card=card(), today=day)
    card_report_loss(actor=clerk, card=card(), channel=LossChannel.COUNTER, today=day, formal=False)
    check("temporarily lost (at the counter)", at, me, card(), id_number)
    # the known defect: a replacement for damage after a temporary report offered the
    # withdrawal of the report, which the pack forbids once a replacement is applied for
    old = card()
    channel = counter_replacement_channel(home, old)
    defaults = counter_replacement_defaults(home, old, reason="damaged", channel=channel, day=day)
    card_replacement_apply(
        actor=clerk, card=old, reason="damaged", channel=channel, day=day, pickup=defaults.pickup
    )
    check("temporarily lost, replaced after damage", at, me, old, id_number)
    # the new card is ordered, made, collected and enabled: the old one is void
    (renewal,) = batches_form(actor=OPERATOR, today=day)
    old.refresh_from_db()
    assert old.replaced_by_id is not None
    check("replaced, new card ordered", at, me, old, id_number)
    new = Card.objects.get(pk=old.replaced_by_id)
    personalise(renewal)
    factory_round_trip(renewal, day=day)
    dispatch([renewal])
    outlet_receive(actor=clerk)
    card_hand_over(actor=clerk, card=Card.objects.get(pk=new.pk), id_number=id_number)
    card_enable(actor=clerk, card=Card.objects.get(pk=new.pk), today=day)
    check("void: replaced by an enabled card", at, me, old, id_number)
    check("the new card enabled", at, me, Card.objects.get(pk=new.pk), id_number)
    card_report_loss(
        actor=clerk, card=Card.objects.get(pk=new.pk), channel="counter", today=day, formal=True
    )
    check("formally lost", at, me, Card.objects.get(pk=new.pk), id_number)
    fresh = Card.objects.get(pk=new.pk)
    channel = counter_replacement_channel(home, fresh)
    defaults = counter_replacement_defaults(home, fresh, reason="lost", channel=channel, day=day)
    card_replacement_apply(
        actor=clerk, card=fresh, reason="lost", channel=channel, day=day, pickup=defaults.pickup
    )
    check("lost and replaced", at, me, Card.objects.get(pk=new.pk), id_number)

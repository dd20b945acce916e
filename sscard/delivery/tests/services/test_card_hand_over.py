"""card_hand_over: a clerk hands a card in the outlet's stock to its holder against their ID;
enabling and activating on site are the next steps (BJ-08 (1))."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.cards.services import card_activate_financial, card_enable
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.models import Shipment
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person
from sscard.testing.card_life import dispatch, id_number_of, produce
from sscard.testing.factories import make_id_number

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


@dataclass
class InStock:
    staff: list[Person]
    outlet: Outlet
    cards: list[Card]


def in_stock(size: int = 2, *, received: bool = True) -> InStock:
    """A pilot unit's cards sent to its pickup outlet (and taken into stock)."""
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=DAY)
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)
    collective.refresh_from_db()
    outlet = collective.pickup_outlet
    assert outlet is not None
    dispatch(produce(day=DAY))
    if received:
        outlet_receive(actor=clerk(outlet))
    cards = list(Card.objects.select_related("person").order_by("pk"))
    return InStock(staff, outlet, cards)


def written() -> tuple[object, ...]:
    return (
        list(Card.objects.order_by("pk").values_list("stage", "handed_over_outlet_id")),
        list(Shipment.objects.order_by("pk").values_list("status", "closed_at")),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_the_holder_gets_the_card_against_their_id_and_switches_it_on_at_the_counter() -> None:
    stock = in_stock()
    card = stock.cards[0]
    desk = clerk(stock.outlet)
    handed = card_hand_over(actor=desk, card=card, id_number=id_number_of(card.person))
    assert (handed.stage, handed.handed_over_outlet_id) == ("handed_over", stock.outlet.pk)
    assert handed.handed_over_at is not None
    shipment = Shipment.objects.get(card=card)
    assert (shipment.status, shipment.closed_at is not None) == ("handed_over", True)
    event = AuditEvent.objects.get(action="card_hand_over")
    assert (event.object_id, event.changes["outlet_id"]) == (str(card.pk), stock.outlet.pk)
    # the other card waits in stock
    other = Shipment.objects.get(card=stock.cards[1])
    assert other.status == "at_outlet"
    # BJ-08 (1): both functions are switched on on the spot
    enabled = card_enable(actor=desk, card=handed, today=DAY)
    activated = card_activate_financial(actor=desk, card=enabled, today=DAY)
    assert (activated.ss_function, activated.financial_function) == ("enabled", "activated")


def test_another_persons_id_is_refused_and_nothing_changes() -> None:
    stock = in_stock()
    card, other = stock.cards
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(actor=clerk(stock.outlet), card=card, id_number=id_number_of(other.person))
    assert (refused.value.code, refused.value.status) == ("holder_id_mismatch", 422)
    assert written() == before


def test_an_id_number_that_is_not_one_is_refused_with_the_kernels_code() -> None:
    stock = in_stock(1)
    valid = make_id_number(7)
    broken = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(actor=clerk(stock.outlet), card=stock.cards[0], id_number=broken)
    assert refused.value.status == 422
    assert refused.value.code.startswith("id_")
    assert written() == before


def test_a_clerk_of_another_outlet_cannot_hand_the_card_over() -> None:
    stock = in_stock(1)
    card = stock.cards[0]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(actor=clerk(branch("ICBC")), card=card, id_number=id_number_of(card.person))
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert written() == before


def test_a_card_not_taken_into_stock_yet_cannot_be_handed_over() -> None:
    stock = in_stock(1, received=False)
    card = stock.cards[0]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(actor=clerk(stock.outlet), card=card, id_number=id_number_of(card.person))
    assert refused.value.code == "not_found"
    assert written() == before


def test_a_card_is_handed_over_once() -> None:
    stock = in_stock(1)
    card = stock.cards[0]
    desk = clerk(stock.outlet)
    card_hand_over(actor=desk, card=card, id_number=id_number_of(card.person))
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(actor=desk, card=card, id_number=id_number_of(card.person))
    assert refused.value.code == "not_found"
    assert written() == before


@pytest.mark.parametrize("role", [Role.PRODUCTION_OPERATOR, Role.CARDHOLDER, Role.CITY_OFFICER])
def test_only_a_clerk_hands_cards_over(role: Role) -> None:
    stock = in_stock(1)
    card = stock.cards[0]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        card_hand_over(
            actor=Actor(role=role, label="someone", outlet_id=stock.outlet.pk),
            card=card,
            id_number=id_number_of(card.person),
        )
    assert refused.value.code == "permission_denied"
    assert written() == before

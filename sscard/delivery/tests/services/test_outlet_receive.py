"""outlet_receive: an outlet takes the cards on their way to it into stock, and each holder is
told by SMS that the card is ready there (BJ-08 (1))."""

from __future__ import annotations

from collections import Counter
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
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import outlet_stock
from sscard.delivery.services import outlet_receive
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person
from sscard.testing.card_life import dispatch, produce

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


@dataclass
class Unit:
    staff: list[Person]
    outlet: Outlet


def dispatched_unit(size: int, *, pickup: str = "branch") -> Unit:
    """A pilot unit's cards made and sent on their way by ``pickup``."""
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=DAY, pickup=pickup)
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    dispatch(produce(day=DAY))
    return Unit(staff, collective.pickup_outlet)


def written() -> tuple[int, ...]:
    return (
        Shipment.objects.filter(status="at_outlet").count(),
        Card.objects.filter(stage="at_outlet").count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_the_outlet_takes_its_cards_into_stock_and_each_holder_is_told_where() -> None:
    unit = dispatched_unit(2)
    received = outlet_receive(actor=clerk(unit.outlet))
    assert received == 2
    shipments = Shipment.objects.all()
    assert {(s.status, s.outlet_id) for s in shipments} == {("at_outlet", unit.outlet.pk)}
    assert all(s.received_at is not None for s in shipments)
    assert set(Card.objects.values_list("stage", flat=True)) == {"at_outlet"}
    ready = OutboxMessage.objects.filter(template_key="card_ready")
    assert Counter(m.person_id for m in ready) == Counter(p.pk for p in unit.staff)
    assert all(unit.outlet.name in m.text for m in ready)
    event = AuditEvent.objects.get(action="outlet_receive")
    assert (event.object_id, event.changes["cards"]) == (f"outlet:{unit.outlet.pk}", 2)


def test_receiving_again_finds_nothing_and_writes_nothing() -> None:
    unit = dispatched_unit(1)
    outlet_receive(actor=clerk(unit.outlet))
    before = written()
    assert outlet_receive(actor=clerk(unit.outlet)) == 0
    assert written() == before


def test_another_outlet_receives_none_of_these_cards() -> None:
    dispatched_unit(1)
    elsewhere = branch("ICBC")
    before = written()
    assert outlet_receive(actor=clerk(elsewhere)) == 0
    assert written() == before
    assert Shipment.objects.get().status == "in_transit"


def test_a_clerk_may_take_in_some_shipments_only() -> None:
    unit = dispatched_unit(2)
    first, second = Shipment.objects.order_by("pk")
    assert outlet_receive(actor=clerk(unit.outlet), shipment_ids=[second.pk]) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("in_transit", "at_outlet")
    (ready,) = OutboxMessage.objects.filter(template_key="card_ready")
    assert ready.person_id == second.card.person_id


def test_posted_cards_and_visiting_teams_cards_are_not_taken_into_stock() -> None:
    unit = dispatched_unit(1, pickup="post")
    assert outlet_receive(actor=clerk(unit.outlet)) == 0
    visit = dispatched_unit(1, pickup="bank_visit")
    assert outlet_receive(actor=clerk(visit.outlet)) == 0
    assert set(Shipment.objects.values_list("status", flat=True)) == {"in_transit"}


def test_the_stock_lists_what_is_on_its_way_and_what_is_in_stock() -> None:
    unit = dispatched_unit(2)
    first, second = Shipment.objects.order_by("pk")
    outlet_receive(actor=clerk(unit.outlet), shipment_ids=[first.pk])
    stock = list(outlet_stock(actor=clerk(unit.outlet)))
    assert [(s.pk, s.status) for s in stock] == [(first.pk, "at_outlet"), (second.pk, "in_transit")]
    assert list(outlet_stock(actor=clerk(branch("ICBC")))) == []
    assert list(outlet_stock(actor=Actor(role=Role.CITY_OFFICER, label="bureau"))) == []


@pytest.mark.parametrize("role", [Role.PRODUCTION_OPERATOR, Role.CARDHOLDER, Role.POST])
def test_only_an_outlets_clerk_receives(role: Role) -> None:
    unit = dispatched_unit(1)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        outlet_receive(actor=Actor(role=role, label="someone", outlet_id=unit.outlet.pk))
    assert refused.value.code == "permission_denied"
    assert written() == before

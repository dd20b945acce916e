"""batch_dispatch: made cards go on their way by the pickup method of their application — to
the pickup outlet, into the post with a tracking number and an SMS (BJ-08 (2), SH-13), or with
the visiting bank team (BJ-08 (3)); a card made on the spot is never sent."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest

from sscard.applications.models import RosterEntry
from sscard.applications.services import application_submit, collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    beijing_unit,
    centre,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
    shanghai_person,
)
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.models import Shipment
from sscard.delivery.services import batch_dispatch
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.policy.loader import load_pack
from sscard.policy.tests.packs import dump, pack_data, rule_index
from sscard.production.models import Batch
from sscard.production.services import batches_form
from sscard.registry.models import Person
from sscard.testing.card_life import OPERATOR, personalise, produce
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY
TRACKING = re.compile(r"^SS\d{9}CN$")


@dataclass
class Unit:
    staff: list[Person]
    outlet: Outlet
    batches: list[Batch]


def made_for_unit(
    size: int, *, pickup: str, without_phone: int = 0, day: date = DAY, **pack: Any
) -> Unit:
    """A pilot unit's cards made by the factory, staff collecting by ``pickup``; the last
    ``without_phone`` of them have no phone in the registry."""
    in_force("beijing-2024", **pack)
    employer, staff = beijing_unit(size - without_phone)
    staff += [
        PersonFactory.create(employer=employer, phone="", address="北京市西城区测试街2号")
        for _ in range(without_phone)
    ]
    collective = notified_collective(employer, day=day, pickup=pickup)
    confirm_all(collective, staff, day)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=day)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    return Unit(staff, collective.pickup_outlet, produce(day=day))


def written() -> tuple[int, ...]:
    return (
        Shipment.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        Card.objects.filter(stage="dispatched").count(),
    )


def test_cards_collected_at_a_branch_go_to_the_collectives_pickup_outlet() -> None:
    unit = made_for_unit(2, pickup="branch")
    (batch,) = unit.batches
    texts_before = OutboxMessage.objects.count()
    summary = batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert (summary.outlet, summary.post, summary.visit, summary.total) == (2, 0, 0, 2)
    shipments = list(Shipment.objects.order_by("pk"))
    assert [(s.method, s.outlet_id, s.status, s.tracking_number) for s in shipments] == [
        ("outlet", unit.outlet.pk, "in_transit", None)
    ] * 2
    assert {s.card.person_id for s in shipments} == {p.pk for p in unit.staff}
    assert set(Card.objects.values_list("stage", flat=True)) == {"dispatched"}
    # the holders are told when the outlet has the card, not now
    assert OutboxMessage.objects.count() == texts_before
    event = AuditEvent.objects.get(action="batch_dispatch")
    assert (event.object_id, event.changes["outlet"], event.changes["post"]) == (
        str(batch.pk),
        2,
        0,
    )


def test_posted_cards_get_tracking_numbers_and_each_holder_one_sms_to_the_confirmed_phone() -> None:
    unit = made_for_unit(3, pickup="post", without_phone=1)
    (batch,) = unit.batches
    summary = batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert (summary.outlet, summary.post, summary.visit) == (0, 3, 0)
    shipments = list(Shipment.objects.all())
    numbers = [s.tracking_number or "" for s in shipments]
    assert all(TRACKING.match(n) for n in numbers), numbers
    assert len(set(numbers)) == 3
    assert {(s.method, s.outlet_id, s.status) for s in shipments} == {("post", None, "in_transit")}
    # BJ-08 (2): the bank posts it; the holder enables online and activates at the bank
    posted = OutboxMessage.objects.filter(template_key="card_posted")
    # one holder has no phone in the registry, but every staff member confirmed one for the
    # collective application (BJ-04): the text goes to the phone they confirmed
    assert len([p for p in unit.staff if p.phone_masked]) == 2
    assert Counter(m.person_id for m in posted) == Counter(p.pk for p in unit.staff)
    confirmed = dict(
        RosterEntry.objects.filter(person__in=unit.staff).values_list("person_id", "phone_masked")
    )
    assert {m.person_id: m.phone_masked for m in posted} == confirmed
    assert all("中国工商银行" in m.text and "线上" in m.text for m in posted)


def test_cards_the_bank_brings_to_the_unit_go_with_its_visiting_team() -> None:
    unit = made_for_unit(2, pickup="bank_visit")
    (batch,) = unit.batches
    summary = batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert (summary.outlet, summary.post, summary.visit) == (0, 0, 2)
    assert set(Shipment.objects.values_list("method", "outlet_id", "tracking_number")) == {
        ("visit", unit.outlet.pk, None)
    }
    assert not OutboxMessage.objects.filter(template_key__in=["card_posted", "card_ready"]).exists()


def test_a_shanghai_card_is_posted_point_to_point_and_the_holder_told() -> None:
    # SH-13: a first application at a community centre, posted, with a backup centre
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    person = shanghai_person()
    application_submit(
        actor=clerk(desk),
        person=person,
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    (batch,) = produce(day=SH_DAY)
    summary = batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert summary.post == 1
    shipment = Shipment.objects.get()
    assert TRACKING.match(shipment.tracking_number or "")
    assert shipment.outlet is None
    (message,) = OutboxMessage.objects.filter(template_key="card_posted")
    assert message.person_id == person.pk


def test_a_second_dispatch_of_the_same_batch_changes_nothing() -> None:
    unit = made_for_unit(2, pickup="post")
    (batch,) = unit.batches
    batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    before = written()
    again = batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert again.total == 0
    assert written() == before


def test_a_batch_the_factory_has_not_made_yet_sends_nothing() -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer)
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)
    (batch,) = batches_form(actor=OPERATOR, today=DAY)
    personalise(batch)
    before = written()
    assert batch_dispatch(actor=OPERATOR, batch_id=batch.pk).total == 0
    assert written() == before


def test_an_unknown_batch_is_not_found() -> None:
    before = written()
    with pytest.raises(ApplicationError) as refused:
        batch_dispatch(actor=OPERATOR, batch_id=404)
    assert refused.value.code == "not_found"
    assert written() == before


def on_the_spot_for_collectives() -> dict[str, Any]:
    """The Beijing pack with "made and collected on the spot" offered to collectives too."""
    data = pack_data("beijing-2024")
    phase, rule = rule_index(data, "pilot-collective")
    data["phases"][phase]["rules"][rule]["pickup"].append("on_the_spot")
    return {"pack": load_pack(dump(data))}


def test_a_card_made_to_be_collected_on_the_spot_is_not_dispatchable() -> None:
    # given a pack that lets a collective's cards be collected on the spot, and such cards made
    unit = made_for_unit(2, pickup="on_the_spot", **on_the_spot_for_collectives())
    (batch,) = unit.batches
    before = written()
    # when production dispatches the batch, the whole batch is refused
    with pytest.raises(ApplicationError) as refused:
        batch_dispatch(actor=OPERATOR, batch_id=batch.pk)
    assert (refused.value.code, refused.value.status) == ("card_not_dispatchable", 409)
    assert refused.value.details["card_id"] in {c.pk for c in Card.objects.all()}
    assert written() == before
    assert set(Card.objects.values_list("stage", flat=True)) == {"produced"}


@pytest.mark.parametrize("role", [Role.BANK_CLERK, Role.POST, Role.CARDHOLDER])
def test_only_production_dispatches(role: Role) -> None:
    unit = made_for_unit(1, pickup="branch")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        batch_dispatch(actor=Actor(role=role, label="someone"), batch_id=unit.batches[0].pk)
    assert refused.value.code == "permission_denied"
    assert written() == before

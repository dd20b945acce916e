"""post_event_record: the post reports a posted card delivered or failed, once per event; a
failed card goes to the holder's backup community centre and the holder is told (SH-13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from sscard.applications.services import application_submit, collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    beijing_unit,
    centre,
    clerk,
    confirm_all,
    holder,
    hr,
    in_force,
    notified_collective,
    shanghai_person,
)
from sscard.cards.models import Card
from sscard.cards.services import card_activate_financial, card_enable
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.services import PostEventResult, card_hand_over, post_event_record
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person
from sscard.testing.card_life import dispatch, id_number_of, produce

pytestmark = pytest.mark.django_db
POST = Actor(role=Role.POST, label="China Post")
WHEN = timezone.make_aware(datetime(2019, 9, 20, 10, 30))


@dataclass
class Posted:
    person: Person
    card: Card
    tracking_number: str
    desk: Outlet
    backup: Outlet


def posted_in_shanghai() -> Posted:
    """A Shanghai first application at a community centre, made and posted (SH-13)."""
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
    dispatch(produce(day=SH_DAY))
    shipment = Shipment.objects.select_related("card__person").get()
    assert shipment.tracking_number is not None
    return Posted(person, shipment.card, shipment.tracking_number, desk, backup)


def posted_in_beijing() -> tuple[Card, str, Outlet]:
    in_force("beijing-2024")
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer, pickup="post")
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    dispatch(produce(day=BJ_PILOT_DAY))
    shipment = Shipment.objects.select_related("card__person").get()
    assert shipment.tracking_number is not None
    return shipment.card, shipment.tracking_number, collective.pickup_outlet


def written() -> tuple[object, ...]:
    return (
        PostEvent.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
        list(Shipment.objects.order_by("pk").values_list("method", "status", "outlet_id")),
        list(Card.objects.order_by("pk").values_list("stage", "handed_over_at")),
    )


def record(tracking: str, kind: str, **kwargs: str) -> PostEventResult:
    return post_event_record(
        actor=POST, tracking_number=tracking, kind=kind, occurred_at=WHEN, **kwargs
    )


def test_a_delivered_card_is_in_the_holders_hands() -> None:
    posted = posted_in_shanghai()
    result = record(posted.tracking_number, "delivered", event_id="E1")
    assert (result.changed, result.shipment_status, result.rerouted_to) == (True, "delivered", None)
    card = Card.objects.get(pk=posted.card.pk)
    assert (card.stage, card.handed_over_at) == ("handed_over", WHEN)
    shipment = Shipment.objects.get()
    assert (shipment.status, shipment.closed_at is not None) == ("delivered", True)
    event = PostEvent.objects.get()
    assert (event.tracking_number, event.kind, event.event_id, event.shipment) == (
        posted.tracking_number,
        "delivered",
        "E1",
        shipment,
    )
    audit = AuditEvent.objects.get(action="post_event_record")
    assert audit.changes["kind"] == "delivered"
    # SH-16: the holder opens the new card (online, or at a community centre)
    enabled = card_enable(actor=holder(posted.person), card=card, today=SH_DAY)
    assert enabled.ss_function == "enabled"


def test_the_same_event_again_says_so_and_writes_nothing() -> None:
    posted = posted_in_shanghai()
    record(posted.tracking_number, "delivered")
    before = written()
    again = record(posted.tracking_number, "delivered", event_id="E1-resent")
    assert (again.changed, again.shipment_status) == (False, "delivered")
    assert written() == before


def test_a_failed_delivery_goes_to_the_backup_centre_and_the_holder_is_told() -> None:
    posted = posted_in_shanghai()
    result = record(posted.tracking_number, "failed", reason="nobody at home")
    assert (result.changed, result.shipment_status, result.rerouted_to) == (
        True,
        "failed",
        posted.backup.name,
    )
    post_leg, reroute = Shipment.objects.order_by("pk")
    assert (post_leg.method, post_leg.status) == ("post", "failed")
    assert (reroute.method, reroute.status, reroute.outlet_id) == (
        "reroute",
        "at_outlet",
        posted.backup.pk,
    )
    assert Card.objects.get(pk=posted.card.pk).stage == "at_outlet"
    (told,) = OutboxMessage.objects.filter(template_key="undeliverable")
    assert told.person_id == posted.person.pk
    assert posted.backup.name in told.text
    assert PostEvent.objects.get().reason == "nobody at home"
    # and the backup centre's clerk hands it over against the holder's ID
    handed = card_hand_over(
        actor=clerk(posted.backup), card=posted.card, id_number=id_number_of(posted.person)
    )
    assert (handed.stage, handed.handed_over_outlet_id) == ("handed_over", posted.backup.pk)


def test_a_failed_event_again_writes_nothing_and_sends_no_second_sms() -> None:
    posted = posted_in_shanghai()
    record(posted.tracking_number, "failed")
    before = written()
    again = record(posted.tracking_number, "failed")
    assert (again.changed, again.shipment_status) == (False, "failed")
    assert written() == before


def test_delivered_after_failed_is_refused_the_shipment_is_closed() -> None:
    posted = posted_in_shanghai()
    record(posted.tracking_number, "failed")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        record(posted.tracking_number, "delivered")
    assert (refused.value.code, refused.value.status) == ("shipment_closed", 409)
    assert refused.value.details["status_now"] == "failed"
    assert written() == before


def test_failed_after_delivered_is_refused_too() -> None:
    posted = posted_in_shanghai()
    record(posted.tracking_number, "delivered")
    before = written()
    with pytest.raises(ApplicationError) as refused:
        record(posted.tracking_number, "failed")
    assert refused.value.code == "shipment_closed"
    assert written() == before


def test_an_unknown_tracking_number_is_refused() -> None:
    posted_in_shanghai()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        record("SS999999999CN", "delivered")
    assert (refused.value.code, refused.value.status) == ("tracking_unknown", 404)
    assert written() == before


def test_an_event_other_than_delivered_or_failed_is_refused() -> None:
    posted = posted_in_shanghai()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        record(posted.tracking_number, "returned")
    assert (refused.value.code, refused.value.status) == ("post_event_kind_invalid", 422)
    assert written() == before


@pytest.mark.parametrize(
    "role", [Role.RELYING_PARTY, Role.CARDHOLDER, Role.BANK_CLERK, Role.PRODUCTION_OPERATOR]
)
def test_only_the_post_reports_events(role: Role) -> None:
    posted = posted_in_shanghai()
    before = written()
    with pytest.raises(ApplicationError) as refused:
        post_event_record(
            actor=Actor(role=role, label="someone"),
            tracking_number=posted.tracking_number,
            kind="delivered",
            occurred_at=WHEN,
        )
    assert refused.value.code == "permission_denied"
    assert written() == before


def test_a_beijing_card_posted_and_delivered_is_activated_at_any_branch_of_its_bank() -> None:
    # BJ-08 (2): enabled online by the holder, financial function at the issuing bank
    card, tracking, outlet = posted_in_beijing()
    record(tracking, "delivered")
    card.refresh_from_db()
    assert card.stage == "handed_over"
    enabled = card_enable(actor=holder(card.person), card=card, today=BJ_PILOT_DAY)
    assert enabled.ss_function == "enabled"
    active = card_activate_financial(actor=clerk(outlet), card=enabled, today=BJ_PILOT_DAY)
    assert active.financial_function == "activated"


def test_an_undeliverable_beijing_card_goes_to_the_outlet_it_would_be_collected_at() -> None:
    # BJ-08 names no backup centre: the card goes to the unit's chosen branch
    card, tracking, outlet = posted_in_beijing()
    result = record(tracking, "failed")
    assert result.rerouted_to == outlet.name
    reroute = Shipment.objects.get(method="reroute")
    assert (reroute.outlet_id, reroute.status) == (outlet.pk, "at_outlet")
    card.refresh_from_db()
    assert card.stage == "at_outlet"
    # and the holder is told where to collect it (the pack's chosen template), no link
    told = OutboxMessage.objects.get(template_key="undeliverable")
    assert (told.person_id, outlet.name in told.text, "http" in told.text) == (
        card.person_id,
        True,
        False,
    )


def test_the_delivery_time_is_the_posts_not_ours() -> None:
    posted = posted_in_shanghai()
    later = WHEN + timedelta(days=21)
    post_event_record(
        actor=POST, tracking_number=posted.tracking_number, kind="delivered", occurred_at=later
    )
    assert Card.objects.get(pk=posted.card.pk).handed_over_at == later
    event = PostEvent.objects.get()
    assert event.occurred_at == later
    assert event.received_at != later

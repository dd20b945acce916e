"""The post's callbacks (SH-13): a posted card is delivered, or its delivery failed and it goes
to the holder's backup community centre, and the holder is told by SMS. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from sscard.cards.choices import CardStage
from sscard.cards.milestones import card_milestones_record
from sscard.cards.models import Card
from sscard.cards.progress import AT_OUTLET, progress_sms
from sscard.cards.rules import card_pickup, packs_by_hash
from sscard.cards.services import cards_advance
from sscard.core import clock
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.core.models import MilestoneKind
from sscard.delivery.choices import PostEventKind, ShipmentMethod, ShipmentStatus
from sscard.delivery.errors import DeliveryErrorCode
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.selectors import default_outlet_id
from sscard.delivery.services._shared import OBJECT, tell_holders
from sscard.network.models import Outlet


@dataclass(frozen=True, slots=True)
class PostEventResult:
    """What a post callback did: ``changed`` is False for an event already recorded."""

    changed: bool
    tracking_number: str
    shipment_status: str
    rerouted_to: str | None = None


def post_event_record(
    *,
    actor: Actor,
    tracking_number: str,
    kind: str,
    occurred_at: datetime,
    event_id: str = "",
    reason: str = "",
) -> PostEventResult:
    """Record a delivered or failed event from the post (idempotent: the same event again
    changes nothing and says so). A failed delivery goes to the backup centre and the holder
    is told by SMS (SH-13)."""
    _check_event(actor, kind)
    with transaction.atomic():
        shipment = _posted_shipment_locked(tracking_number)
        if PostEvent.objects.filter(tracking_number=tracking_number, kind=kind).exists():
            return PostEventResult(False, tracking_number, shipment.status)
        if shipment.status != ShipmentStatus.IN_TRANSIT:
            raise DeliveryErrorCode.SHIPMENT_CLOSED.error(
                tracking_number=tracking_number, status_now=shipment.status
            )
        now = timezone.now()
        event = PostEvent(
            tracking_number=tracking_number, kind=kind, event_id=event_id[:64],
            occurred_at=occurred_at, received_at=now, reason=reason[:200], shipment=shipment,
        )  # fmt: skip
        if not _event_saved(event):  # the same event, recorded by a racing callback just now
            return PostEventResult(False, tracking_number, shipment.status)
        card = shipment.card
        rerouted: Outlet | None = None
        if kind == PostEventKind.DELIVERED:
            _record_delivered(shipment, card, occurred_at, now)
        else:
            rerouted = _record_failed(shipment, card, now)
            _tell_undeliverable(actor, card, rerouted)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="post_event_record",
                object_type=OBJECT,
                object_id=str(shipment.pk),
                changes={
                    "tracking_number": tracking_number,
                    "kind": kind,
                    "event_id": event_id[:64],
                    "rerouted_to": rerouted.pk if rerouted else None,
                },
                pack_hash=card.pack_hash,
            ),
        )
    return PostEventResult(
        True, tracking_number, shipment.status, rerouted.name if rerouted else None
    )


def _check_event(actor: Actor, kind: str) -> None:
    if actor.role not in (Role.POST, Role.SYSTEM):
        raise PermissionDenied("report post events", "报告邮件投递结果")
    if kind not in PostEventKind.values:
        raise DeliveryErrorCode.POST_EVENT_KIND_INVALID.error(kind=kind)


def _posted_shipment_locked(tracking_number: str) -> Shipment:
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("card__person", "card__application__backup_centre")
        .filter(tracking_number=tracking_number, method=ShipmentMethod.POST)
        .first()
    )
    if shipment is None:
        raise DeliveryErrorCode.TRACKING_UNKNOWN.error(tracking_number=tracking_number)
    return shipment


def _event_saved(event: PostEvent) -> bool:
    """Save the event; False when a racing callback recorded the same event just now."""
    try:
        with transaction.atomic():
            event.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _record_delivered(shipment: Shipment, card: Card, occurred_at: datetime, now: datetime) -> None:
    shipment.status = ShipmentStatus.DELIVERED
    shipment.closed_at = now
    shipment.save(update_fields=["status", "closed_at"])
    cards_advance(
        card_ids=[card.pk],
        from_stages=[CardStage.DISPATCHED],
        to_stage=CardStage.HANDED_OVER,
        handed_over_at=occurred_at,
    )
    # Counted on the day the post told us (a past day's figure never changes), at the time
    # the post gives.
    card_milestones_record(MilestoneKind.ISSUED, [card.pk], day=clock.today(), at=occurred_at)


def _record_failed(shipment: Shipment, card: Card, now: datetime) -> Outlet:
    """Close the failed shipment and put the card in stock where it goes now (answered)."""
    shipment.status = ShipmentStatus.FAILED
    shipment.closed_at = now
    shipment.save(update_fields=["status", "closed_at"])
    rerouted = _reroute_destination(card)
    if rerouted is None:
        raise DeliveryErrorCode.REROUTE_DESTINATION_MISSING.error(card_id=card.pk)
    # The post leaves the card at the centre: it is in the centre's stock at once.
    Shipment.objects.create(
        card=card,
        method=ShipmentMethod.REROUTE,
        outlet=rerouted,
        status=ShipmentStatus.AT_OUTLET,
        dispatched_at=now,
        received_at=now,
    )
    cards_advance(
        card_ids=[card.pk],
        from_stages=[CardStage.DISPATCHED],
        to_stage=CardStage.AT_OUTLET,
        arrived_at=now,
        pickup_outlet_id=rerouted.pk,
    )
    return rerouted


def _reroute_destination(card: Card) -> Outlet | None:
    """Where an undeliverable card goes: the holder's backup centre where the pickup method
    has one (SH-13), else the outlet the card would have been collected at."""
    application = card.application
    method = card_pickup(card)
    if (
        application is not None
        and method is not None
        and method.backup_centre
        and application.backup_centre is not None
    ):
        return application.backup_centre
    if application is not None and application.outlet is not None:
        return application.outlet
    found = default_outlet_id(bank_code=card.bank_code, district=card.person.insured_region)
    return Outlet.objects.filter(pk=found).first() if found is not None else None


def _tell_undeliverable(actor: Actor, card: Card, centre: Outlet) -> None:
    """Tell the holder with the text of the step their page now shows: not delivered, waiting
    at the backup centre (``cards.progress.progress_sms``)."""
    packs = packs_by_hash([card.pack_hash])
    application = card.application
    if card.pack_hash not in packs or application is None:
        return
    pack = packs[card.pack_hash]
    template = progress_sms(
        pack=pack, pickup=application.pickup, action=application.action, step=AT_OUTLET,
        rerouted=True,
    )  # fmt: skip
    if template is not None:
        tell_holders(actor, pack, template, [application.pk], centre=centre.name)

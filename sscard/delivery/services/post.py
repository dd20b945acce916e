"""The post's callbacks (SH-13): a posted card is delivered, or its delivery failed and it goes
to the holder's backup community centre, and the holder is told by SMS. Idempotent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
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
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.errors import ApplicationError, PermissionDenied
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
            fact=_event_fact(shipment, card, kind=kind, event_id=event_id, rerouted=rerouted),
        )
    return PostEventResult(
        True, tracking_number, shipment.status, rerouted.name if rerouted else None
    )


def _event_fact(
    shipment: Shipment, card: Card, *, kind: str, event_id: str, rerouted: Outlet | None
) -> AuditFact:
    """The audit event of one recorded post event (the same for one callback or a report)."""
    return AuditFact(
        action="post_event_record",
        object_type=OBJECT,
        object_id=str(shipment.pk),
        changes={
            "tracking_number": shipment.tracking_number,
            "kind": kind,
            "event_id": event_id[:64],
            "rerouted_to": rerouted.pk if rerouted else None,
        },
        pack_hash=card.pack_hash,
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


# --------------------------------------------------------------------------------------------
# A report of many events (the post's round of a day)
# --------------------------------------------------------------------------------------------

_REPORT_CHUNK = 2_000


@dataclass(frozen=True, slots=True)
class PostReport:
    """One event of the post's report: what :func:`post_event_record` takes for one callback."""

    tracking_number: str
    kind: str
    occurred_at: datetime
    event_id: str = ""
    reason: str = ""


#: What each event of a report came to: recorded (or already recorded), or refused.
PostReportOutcome = PostEventResult | ApplicationError


def post_events_record_many(
    *, actor: Actor, reports: Sequence[PostReport]
) -> list[PostReportOutcome]:
    """Record many events of the post at once, each as :func:`post_event_record` would, in one
    transaction; answer each event's outcome in the order given.

    The same checks, per event: a known posted tracking number (``tracking_unknown``), a kind
    the post reports (``post_event_kind_invalid``), an event not recorded before (answered
    unchanged, as a callback sent again is) and a shipment still in transit
    (``shipment_closed``). A refused event is answered in its place and the others are
    recorded. Delivered cards are written set-wise (events, shipments, cards, milestones); a
    failed delivery goes to the backup centre and its holder is told, as one callback does.
    One audit event per recorded event, as one callback writes.
    """
    if actor.role not in (Role.POST, Role.SYSTEM):
        raise PermissionDenied("report post events", "报告邮件投递结果")
    outcomes: list[PostReportOutcome] = []
    with transaction.atomic():
        for start in range(0, len(reports), _REPORT_CHUNK):
            outcomes.extend(_report_chunk(actor, reports[start : start + _REPORT_CHUNK]))
    return outcomes


def _report_chunk(actor: Actor, reports: Sequence[PostReport]) -> list[PostReportOutcome]:
    """One chunk of a report, in the caller's transaction: check each event against the
    locked shipments, then write what was accepted."""
    numbers = sorted({r.tracking_number for r in reports})
    shipments = {
        str(s.tracking_number): s
        for s in Shipment.objects.select_for_update(of=("self",))
        .select_related("card__person", "card__application__backup_centre")
        .filter(tracking_number__in=numbers, method=ShipmentMethod.POST)
        .order_by("pk")
    }
    recorded = set(
        PostEvent.objects.filter(tracking_number__in=numbers).values_list("tracking_number", "kind")
    )
    outcomes: list[PostReportOutcome] = []
    accepted: list[tuple[PostReport, Shipment]] = []
    for report in reports:
        try:
            outcome = _report_checked(report, shipments, recorded)
        except ApplicationError as error:
            outcomes.append(error)
            continue
        if outcome is None:
            recorded.add((report.tracking_number, report.kind))
            accepted.append((report, shipments[report.tracking_number]))
            # Closed by this event: a second event of the report for it is refused, as it
            # would be after this one's callback.
            shipments[report.tracking_number].status = (
                ShipmentStatus.DELIVERED
                if report.kind == PostEventKind.DELIVERED
                else ShipmentStatus.FAILED
            )
            outcome = PostEventResult(True, report.tracking_number, "")
        outcomes.append(outcome)
    failed = _accepted_write(actor, accepted)
    return [_final(o, shipments, failed) for o in outcomes]


def _report_checked(
    report: PostReport, shipments: dict[str, Shipment], recorded: set[tuple[str, str]]
) -> PostEventResult | None:
    """None for an event to record; the answer for one recorded before; else the refusal."""
    if report.kind not in PostEventKind.values:
        raise DeliveryErrorCode.POST_EVENT_KIND_INVALID.error(kind=report.kind)
    shipment = shipments.get(report.tracking_number)
    if shipment is None:
        raise DeliveryErrorCode.TRACKING_UNKNOWN.error(tracking_number=report.tracking_number)
    if (report.tracking_number, report.kind) in recorded:
        return PostEventResult(False, report.tracking_number, shipment.status)
    if shipment.status != ShipmentStatus.IN_TRANSIT:
        raise DeliveryErrorCode.SHIPMENT_CLOSED.error(
            tracking_number=report.tracking_number, status_now=shipment.status
        )
    return None


def _accepted_write(
    actor: Actor, accepted: list[tuple[PostReport, Shipment]]
) -> dict[str, Outlet | ApplicationError]:
    """Write the accepted events: the failed one by one (each in its own savepoint, so that a
    card with nowhere to go is refused alone), the delivered set-wise; one audit event each.
    Answers, by tracking number, where each failed card went or why it could not."""
    if not accepted:
        return {}
    now = timezone.now()
    failed: dict[str, Outlet | ApplicationError] = {}
    for report, shipment in accepted:
        if report.kind != PostEventKind.DELIVERED:
            failed[report.tracking_number] = _failed_write(actor, report, shipment, now)
    delivered = [(r, s) for r, s in accepted if r.kind == PostEventKind.DELIVERED]
    PostEvent.objects.bulk_create([_event_row(r, s, now) for r, s in delivered])
    _delivered_write(delivered, now)
    audit_append_many(
        actor=actor,
        facts=[
            _event_fact(s, s.card, kind=r.kind, event_id=r.event_id, rerouted=went)
            for r, s in accepted
            if not isinstance(went := failed.get(r.tracking_number), ApplicationError)
        ],
    )
    return failed


def _event_row(report: PostReport, shipment: Shipment, now: datetime) -> PostEvent:
    return PostEvent(
        tracking_number=report.tracking_number,
        kind=report.kind,
        event_id=report.event_id[:64],
        occurred_at=report.occurred_at,
        received_at=now,
        reason=report.reason[:200],
        shipment=shipment,
    )


def _failed_write(
    actor: Actor, report: PostReport, shipment: Shipment, now: datetime
) -> Outlet | ApplicationError:
    """One failed delivery, as one callback records it: the card goes to the backup centre
    and its holder is told; the refusal, with nothing written, when it has nowhere to go."""
    try:
        with transaction.atomic():
            _event_row(report, shipment, now).save(force_insert=True)
            rerouted = _record_failed(shipment, shipment.card, now)
            _tell_undeliverable(actor, shipment.card, rerouted)
    except ApplicationError as error:
        shipment.status = ShipmentStatus.IN_TRANSIT
        return error
    return rerouted


def _delivered_write(delivered: list[tuple[PostReport, Shipment]], now: datetime) -> None:
    """Delivered cards are in their holders' hands at the time the post gives: shipments
    closed, cards moved and counted issued today (one statement per time of day given)."""
    if not delivered:
        return
    Shipment.objects.filter(pk__in=[s.pk for _, s in delivered]).update(
        status=ShipmentStatus.DELIVERED, closed_at=now
    )
    by_time: dict[datetime, list[int]] = defaultdict(list)
    for report, shipment in delivered:
        by_time[report.occurred_at].append(shipment.card_id)
    today = clock.today()
    for occurred_at, card_ids in by_time.items():
        cards_advance(
            card_ids=card_ids,
            from_stages=[CardStage.DISPATCHED],
            to_stage=CardStage.HANDED_OVER,
            handed_over_at=occurred_at,
        )
        card_milestones_record(MilestoneKind.ISSUED, card_ids, day=today, at=occurred_at)


def _final(
    outcome: PostReportOutcome,
    shipments: dict[str, Shipment],
    failed: dict[str, Outlet | ApplicationError],
) -> PostReportOutcome:
    """A recorded event's answer once written: the shipment's status now, where it went (or
    the refusal of a failed delivery that had nowhere to go)."""
    if isinstance(outcome, ApplicationError) or not outcome.changed:
        return outcome
    number = outcome.tracking_number
    went = failed.get(number)
    if isinstance(went, ApplicationError):
        return went
    return PostEventResult(True, number, shipments[number].status, went.name if went else None)

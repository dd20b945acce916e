"""Writes of delivery: made cards go to the pickup outlet, into the post, or with the visiting
bank team (BJ-08); outlets take them into stock and tell the holder (SMS when ready); a clerk
hands a card over against the holder's ID; the post reports delivered or failed, and a failed
card goes to the holder's backup community centre (SH-13); an instant-issuance point makes
and hands over a replacement in one visit (BJ-11, SH-12).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from sscard.applications.rules import bank_name, postage_for, template_text
from sscard.applications.services import application_recipients
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.cards.rules import card_pickup, packs_by_hash
from sscard.cards.services import (
    card_activate_financial,
    card_enable,
    card_replacement_apply,
    cards_advance,
    cards_order,
)
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.crypto import id_number_index_matches
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.delivery.choices import PostEventKind, ShipmentMethod, ShipmentStatus
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.selectors import STOCK
from sscard.kernel import idnumber
from sscard.kernel.errors import KernelError
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet
from sscard.notifications.services import message_queue_many
from sscard.policy import Pack
from sscard.production.models import Batch
from sscard.production.personalise import cards_personalise_now
from sscard.production.services import OPERATORS

CLERKS = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
OBJECT = "delivery.shipment"
# How each pack handover travels (PickupMethod.handover).
METHOD_OF = {
    "outlet": ShipmentMethod.OUTLET,
    "post": ShipmentMethod.POST,
    "visit": ShipmentMethod.VISIT,
}


def _refuse(code: str, zh: str, en: str, status: int = 409, **details: object) -> ApplicationError:
    return ApplicationError(code, zh, en, dict(details), status=status)


def tracking_number(shipment_id: int) -> str:
    """A tracking number in the shape of the post's (two letters, nine digits, CN)."""
    return f"SS{shipment_id:09d}CN"


def _default_outlet(bank_code: str, district: str) -> int | None:
    """chosen: a card to collect at a branch whose application named no outlet (an online
    application) goes to an outlet of its bank in the holder's district, else any of its
    outlets; the lowest code decides, so the answer is stable."""
    outlets = Outlet.objects.filter(bank__code=bank_code, kind=OutletKind.BANK_BRANCH)
    found = outlets.filter(district=district).order_by("code").values_list("pk", flat=True)
    return found.first() or outlets.order_by("code").values_list("pk", flat=True).first()


@dataclass(frozen=True, slots=True)
class DispatchSummary:
    """How many cards of a batch went which way."""

    outlet: int
    post: int
    visit: int

    @property
    def total(self) -> int:
        return self.outlet + self.post + self.visit


def batch_dispatch(*, actor: Actor, batch_id: int) -> DispatchSummary:
    """Send the batch's made cards on their way, each by its application's pickup method:
    to the pickup outlet, into the post (the holder is told by SMS, BJ-08 (2)), or with the
    visiting bank team. Set-based; cards already on their way are left alone."""
    if actor.role not in OPERATORS:
        raise PermissionDenied("dispatch cards", "发出卡片")
    with transaction.atomic():
        cards = list(
            Card.objects.select_for_update(of=("self",))
            .filter(batch_entry__batch_id=batch_id, stage=CardStage.PRODUCED)
            .order_by("pk")
            .values_list(
                "pk", "pack_hash", "bank_code", "application_id", "application__pickup",
                "application__outlet_id", "application__collective__pickup_outlet_id",
                "person__insured_region",
            )
        )  # fmt: skip
        if not cards:  # nothing made, or all on its way already: nothing to write or audit
            if not Batch.objects.filter(pk=batch_id).exists():
                raise NotFound("batch", what_zh="该批次")
            return DispatchSummary(outlet=0, post=0, visit=0)
        packs = packs_by_hash(c[1] for c in cards)
        writer = BulkWriter()
        now = timezone.now()
        ids = writer.allocate_ids(Shipment._meta.db_table, len(cards))
        rows: list[tuple[object, ...]] = []
        counts: dict[str, int] = defaultdict(int)
        notify: dict[tuple[str, str], list[int]] = defaultdict(list)
        fallback: dict[tuple[str, str], int | None] = {}
        for pk, (card_id, pack_hash, bank, application_id, pickup, outlet_id, collective_outlet,
                 district) in zip(ids, cards, strict=True):  # fmt: skip
            method = packs[pack_hash].pickup_methods.get(pickup) if pack_hash in packs else None
            mode = METHOD_OF.get(method.handover if method is not None else "outlet")
            if mode is None:
                raise _refuse(
                    "card_not_dispatchable",
                    "该卡当场制作当场领取，无需发出。",
                    "This card is made and collected in the same visit; it is not sent.",
                    card_id=card_id,
                )
            destination = collective_outlet or outlet_id
            if mode != ShipmentMethod.POST and destination is None:
                key = (bank, district or "")
                if key not in fallback:
                    fallback[key] = _default_outlet(bank, district or "")
                destination = fallback[key]
                if destination is None:
                    raise _refuse(
                        "pickup_outlet_missing",
                        "找不到该卡的领卡网点。",
                        "There is no outlet to send this card to.",
                        card_id=card_id,
                        bank=bank,
                    )
            posted = mode == ShipmentMethod.POST
            rows.append(
                (pk, card_id, mode.value, None if posted else destination,
                 tracking_number(pk) if posted else None, ShipmentStatus.IN_TRANSIT.value,
                 postage_for(packs[pack_hash]) if posted and pack_hash in packs else 0,
                 writer.timestamp(now), None, None)
            )  # fmt: skip
            counts[mode] += 1
            if posted and method is not None and method.notify:
                notify[(pack_hash, method.notify + "|" + bank)].append(application_id)
        writer.insert(
            Shipment._meta.db_table,
            ("id", "card_id", "method", "outlet_id", "tracking_number", "status",
             "postage_fen", "dispatched_at", "received_at", "closed_at"),
            rows,
        )  # fmt: skip
        card_ids = [c[0] for c in cards]
        cards_advance(
            card_ids=card_ids, from_stages=[CardStage.PRODUCED], to_stage=CardStage.DISPATCHED
        )
        for (pack_hash, key), application_ids in notify.items():
            template, bank = key.split("|", 1)
            pack = packs[pack_hash]
            _tell(actor, pack, template, application_ids, bank=bank_name(pack, bank))
        summary = DispatchSummary(
            outlet=counts[ShipmentMethod.OUTLET],
            post=counts[ShipmentMethod.POST],
            visit=counts[ShipmentMethod.VISIT],
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="batch_dispatch",
                object_type="production.batch",
                object_id=str(batch_id),
                changes={
                    "card_ids": id_ranges(card_ids),
                    "outlet": summary.outlet,
                    "post": summary.post,
                    "visit": summary.visit,
                },
            ),
        )
    return summary


def _tell(
    actor: Actor, pack: Pack, template: str, application_ids: Sequence[int], **values: object
) -> int:
    """Queue one of the pack's templates about these applications' cards to their holders."""
    text = template_text(pack, template, **values)
    if text is None:
        return 0
    return message_queue_many(
        actor=actor,
        recipients=application_recipients(application_ids),
        text=text,
        template_key=template,
        pack_hash=pack.content_hash,
    )


def _clerk_outlet(actor: Actor) -> Outlet:
    if actor.role not in CLERKS or actor.outlet_id is None:
        raise PermissionDenied("handle cards at an outlet", "在网点办理卡片")
    outlet = Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()
    if outlet is None:
        raise NotFound("outlet", what_zh="该网点")
    return outlet


def outlet_receive(*, actor: Actor, shipment_ids: Sequence[int] | None = None) -> int:
    """Take the cards on their way to the clerk's outlet into stock (all of them, or these);
    each holder is told by SMS that the card is ready (BJ-08 (1)). Answers how many."""
    outlet = _clerk_outlet(actor)
    with transaction.atomic():
        incoming = Shipment.objects.select_for_update(of=("self",)).filter(
            outlet=outlet,
            status=ShipmentStatus.IN_TRANSIT,
            method__in=[ShipmentMethod.OUTLET, ShipmentMethod.REROUTE],
        )
        if shipment_ids is not None:
            incoming = incoming.filter(pk__in=shipment_ids)
        rows = list(
            incoming.order_by("pk").values_list(
                "pk",
                "card_id",
                "card__pack_hash",
                "card__application_id",
                "card__application__pickup",
            )
        )
        if not rows:
            return 0
        now = timezone.now()
        Shipment.objects.filter(pk__in=[r[0] for r in rows]).update(
            status=ShipmentStatus.AT_OUTLET, received_at=now
        )
        card_ids = [r[1] for r in rows]
        cards_advance(
            card_ids=card_ids, from_stages=[CardStage.DISPATCHED], to_stage=CardStage.AT_OUTLET
        )
        packs = packs_by_hash(r[2] for r in rows)
        ready: dict[tuple[str, str], list[int]] = defaultdict(list)
        for _pk, _card, pack_hash, application_id, pickup in rows:
            method = packs[pack_hash].pickup_methods.get(pickup) if pack_hash in packs else None
            if method is not None and method.notify and method.handover == "outlet":
                ready[(pack_hash, method.notify)].append(application_id)
        for (pack_hash, template), application_ids in ready.items():
            _tell(actor, packs[pack_hash], template, application_ids, outlet=outlet.name)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="outlet_receive",
                object_type=OBJECT,
                object_id=f"outlet:{outlet.pk}",
                changes={"shipment_ids": id_ranges([r[0] for r in rows]), "cards": len(rows)},
            ),
        )
    return len(rows)


def _check_holder(card: Card, id_number: str) -> None:
    """The ID presented must be the holder's (compared by keyed index, never decrypted)."""
    try:
        presented = idnumber.parse(id_number, today=date.max).value
    except KernelError as exc:
        raise ApplicationError.from_coded(exc, status=422) from exc
    if not id_number_index_matches(presented, card.person.id_number_index):
        raise _refuse(
            "holder_id_mismatch",
            "所出示的身份证件与持卡人不符，不能交付。",
            "The ID presented is not the cardholder's; the card is not handed over.",
            status=422,
        )


def _hand_over_locked(card: Card, shipment: Shipment | None, outlet: Outlet | None) -> None:
    now = timezone.now()
    if shipment is not None:
        shipment.status = ShipmentStatus.HANDED_OVER
        shipment.closed_at = now
        shipment.save(update_fields=["status", "closed_at"])
    card.stage = CardStage.HANDED_OVER
    card.handed_over_at = now
    card.handed_over_outlet = outlet
    card.save(update_fields=["stage", "handed_over_at", "handed_over_outlet"])


def _hand_over_from_stock(
    actor: Actor, card: Card, id_number: str, outlet: Outlet, shipments: Q, *, what: str
) -> Card:
    """Lock the card and its open shipment to ``outlet`` (matching ``shipments``), check the
    holder's ID and hand the card over, audited; ``not_found`` when there is no such shipment."""
    this = (
        Card.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=card.pk)
        .first()
    )
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .filter(shipments, card_id=card.pk, outlet=outlet)
        .first()
    )
    if this is None or shipment is None:
        raise NotFound(what, what_zh="本网点的该卡")
    before = this.stage
    _check_holder(this, id_number)
    _hand_over_locked(this, shipment, outlet)
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="card_hand_over",
            object_type="card",
            object_id=str(this.pk),
            changes={
                "stage": [before, CardStage.HANDED_OVER],
                "outlet_id": outlet.pk,
                "method": shipment.method,
            },
            pack_hash=this.pack_hash,
        ),
    )
    return this


def card_hand_over(*, actor: Actor, card: Card, id_number: str) -> Card:
    """Hand a card in the outlet's stock to its holder against their ID. Enabling and
    activating in the same visit are the clerk's next steps (``card_enable``,
    ``card_activate_financial``), each with its own rule."""
    outlet = _clerk_outlet(actor)
    with transaction.atomic():
        return _hand_over_from_stock(
            actor,
            card,
            id_number,
            outlet,
            Q(status=ShipmentStatus.AT_OUTLET),
            what="card in this outlet's stock",
        )


def visit_hand_over(*, actor: Actor, card: Card, id_number: str, today: date) -> Card:
    """The visiting bank team hands the card over at the employer and switches on both its
    functions there, in one step (BJ-08 (3), SH-14)."""
    outlet = _clerk_outlet(actor)
    with transaction.atomic():
        this = _hand_over_from_stock(
            actor,
            card,
            id_number,
            outlet,
            Q(method=ShipmentMethod.VISIT, status__in=[*STOCK]),
            what="card for this team's visit",
        )
        card_enable(actor=actor, card=this, today=today)
        this = card_activate_financial(actor=actor, card=this, today=today)
    return this


# --------------------------------------------------------------------------------------------
# The post's callbacks (SH-13)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostEventResult:
    """What a post callback did: ``changed`` is False for an event already recorded."""

    changed: bool
    tracking_number: str
    shipment_status: str
    rerouted_to: str | None = None


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
    found = _default_outlet(card.bank_code, card.person.insured_region)
    return Outlet.objects.filter(pk=found).first() if found is not None else None


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
    if actor.role not in (Role.POST, Role.SYSTEM):
        raise PermissionDenied("report post events", "报告邮件投递结果")
    if kind not in PostEventKind.values:
        raise _refuse(
            "post_event_kind_invalid",
            "投递结果须为 delivered 或 failed。",
            "The event must be delivered or failed.",
            status=422,
            kind=kind,
        )
    with transaction.atomic():
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("card__person", "card__application__backup_centre")
            .filter(tracking_number=tracking_number, method=ShipmentMethod.POST)
            .first()
        )
        if shipment is None:
            raise _refuse(
                "tracking_unknown",
                "没有该邮件号的邮寄记录。",
                "No posted card has that tracking number.",
                status=404,
                tracking_number=tracking_number,
            )
        if PostEvent.objects.filter(tracking_number=tracking_number, kind=kind).exists():
            return PostEventResult(False, tracking_number, shipment.status)
        if shipment.status != ShipmentStatus.IN_TRANSIT:
            raise _refuse(
                "shipment_closed",
                "该邮件已有投递结果，不能再更改。",
                "This item already has its delivery result; it cannot change.",
                tracking_number=tracking_number,
                status_now=shipment.status,
            )
        now = timezone.now()
        try:
            with transaction.atomic():
                PostEvent.objects.create(
                    tracking_number=tracking_number,
                    kind=kind,
                    event_id=event_id[:64],
                    occurred_at=occurred_at,
                    received_at=now,
                    reason=reason[:200],
                    shipment=shipment,
                )
        except IntegrityError:  # the same event, recorded by a racing callback just now
            return PostEventResult(False, tracking_number, shipment.status)
        card = shipment.card
        rerouted: Outlet | None = None
        shipment.closed_at = now
        if kind == PostEventKind.DELIVERED:
            shipment.status = ShipmentStatus.DELIVERED
            shipment.save(update_fields=["status", "closed_at"])
            cards_advance(
                card_ids=[card.pk],
                from_stages=[CardStage.DISPATCHED],
                to_stage=CardStage.HANDED_OVER,
                handed_over_at=occurred_at,
            )
        else:
            shipment.status = ShipmentStatus.FAILED
            shipment.save(update_fields=["status", "closed_at"])
            rerouted = _reroute_destination(card)
            if rerouted is None:
                raise _refuse(
                    "reroute_destination_missing",
                    "找不到投递失败卡片的转送网点。",
                    "There is no outlet to send the undeliverable card to.",
                    card_id=card.pk,
                )
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
                card_ids=[card.pk], from_stages=[CardStage.DISPATCHED], to_stage=CardStage.AT_OUTLET
            )
            packs = packs_by_hash([card.pack_hash])
            if card.pack_hash in packs and card.application_id is not None:
                _tell(actor, packs[card.pack_hash], "undeliverable", [card.application_id],
                      centre=rerouted.name)  # fmt: skip
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


# --------------------------------------------------------------------------------------------
# Instant replacement: made and handed over in one visit (BJ-11, SH-12)
# --------------------------------------------------------------------------------------------


def replacement_instant(
    *, actor: Actor, card: Card, reason: str, id_number: str, day: date
) -> Card:
    """Replace a lost or damaged card at an instant-issuance point while the holder waits:
    the application, the new card's key and certificate, the hand-over and the enabling of
    its functions happen in one transaction, or none of it does."""
    outlet = _clerk_outlet(actor)
    with transaction.atomic():
        holder_card = Card.objects.select_related("person").filter(pk=card.pk).first()
        if holder_card is None:
            raise NotFound("card", what_zh="该卡")
        _check_holder(holder_card, id_number)
        application = card_replacement_apply(
            actor=actor,
            card=holder_card,
            reason=reason,
            channel="instant_outlet",
            day=day,
            pickup="on_the_spot",
        )
        if outlet.bank is not None and outlet.bank.code != application.bank_code:
            # A bank's instant-issuance machine makes that bank's cards only.
            raise _refuse(
                "instant_other_bank",
                f"本网点只能即时制作本行的社会保障卡；该卡的发卡银行为{application.bank_code}。",
                f"This outlet makes its own bank's cards only; this card's bank is "
                f"{application.bank_code}.",
                status=422,
                bank=application.bank_code,
                here=outlet.bank.code,
            )
        (new_id,) = cards_order(actor=actor, application_ids=[application.pk], today=day)
        cards_personalise_now(card_ids=[new_id])
        cards_advance(
            card_ids=[new_id],
            from_stages=[CardStage.PERSONALISED],
            to_stage=CardStage.PRODUCED,
            produced_at=timezone.now(),
        )
        new = Card.objects.select_for_update().get(pk=new_id)
        _hand_over_locked(new, None, outlet)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_hand_over",
                object_type="card",
                object_id=str(new.pk),
                changes={"stage": ["produced", "handed_over"], "instant": outlet.pk},
                pack_hash=new.pack_hash,
            ),
        )
        new = card_enable(actor=actor, card=new, today=day)
        issuing_bank_here = outlet.bank is not None and outlet.bank.code == new.bank_code
        if issuing_bank_here:
            new = card_activate_financial(actor=actor, card=new, today=day)
    return new

"""Dispatch: a batch's made cards go to the pickup outlet, into the post, or with the visiting
bank team (BJ-08), each by its application's pickup method; a posted card's holder is told."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from sscard.campaigns.selectors import bank_name, postage_for
from sscard.cards.choices import CardStage
from sscard.cards.models import Card
from sscard.cards.progress import POSTED, progress_sms
from sscard.cards.rules import packs_by_hash
from sscard.cards.services import cards_advance
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.bulk import BulkWriter, id_ranges
from sscard.core.errors import NotFound, PermissionDenied
from sscard.delivery.choices import ShipmentMethod, ShipmentStatus
from sscard.delivery.errors import DeliveryErrorCode
from sscard.delivery.models import Shipment
from sscard.delivery.selectors import default_outlet_id
from sscard.delivery.services._shared import tell_holders
from sscard.policy import Pack
from sscard.production.models import Batch
from sscard.production.selectors import OPERATORS

# How each pack handover travels (PickupMethod.handover).
METHOD_OF = {
    "outlet": ShipmentMethod.OUTLET,
    "post": ShipmentMethod.POST,
    "visit": ShipmentMethod.VISIT,
}
SHIPMENT_COLUMNS = (
    "id", "card_id", "method", "outlet_id", "tracking_number", "status", "postage_fen",
    "dispatched_at", "received_at", "closed_at",
)  # fmt: skip


def tracking_number(shipment_id: int) -> str:
    """A tracking number in the shape of the post's (two letters, nine digits, CN)."""
    return f"SS{shipment_id:09d}CN"


@dataclass(frozen=True, slots=True)
class DispatchSummary:
    """How many cards of a batch went which way."""

    outlet: int
    post: int
    visit: int

    @property
    def total(self) -> int:
        return self.outlet + self.post + self.visit


@dataclass(frozen=True, slots=True)
class _Leg:
    """The way one card goes: by ``mode`` to ``outlet_id`` (None by post), for ``postage``."""

    card_id: int
    mode: ShipmentMethod
    outlet_id: int | None
    postage: int


@dataclass(slots=True)
class _Plan:
    legs: list[_Leg] = field(default_factory=list)
    # The posted cards' holders to tell: (pack hash, template, bank code) -> applications.
    notify: dict[tuple[str, str, str], list[int]] = field(default_factory=lambda: defaultdict(list))

    def count(self, mode: ShipmentMethod) -> int:
        return sum(1 for leg in self.legs if leg.mode == mode)


def batch_dispatch(*, actor: Actor, batch_id: int) -> DispatchSummary:
    """Send the batch's made cards on their way, each by its application's pickup method:
    to the pickup outlet, into the post (the holder is told by SMS, BJ-08 (2)), or with the
    visiting bank team. Set-based; cards already on their way are left alone."""
    if actor.role not in OPERATORS:
        raise PermissionDenied("dispatch cards", "发出卡片")
    with transaction.atomic():
        cards = _made_cards_locked(batch_id)
        if not cards:  # nothing made, or all on its way already: nothing to write or audit
            if not Batch.objects.filter(pk=batch_id).exists():
                raise NotFound("batch", what_zh="该批次")
            return DispatchSummary(outlet=0, post=0, visit=0)
        packs = packs_by_hash(c[1] for c in cards)
        plan = _plan(cards, packs)
        now = timezone.now()
        _shipments_write(plan.legs, now)
        card_ids = [c[0] for c in cards]
        _cards_sent(plan.legs, now)
        for (pack_hash, template, bank), application_ids in plan.notify.items():
            pack = packs[pack_hash]
            tell_holders(actor, pack, template, application_ids, bank=bank_name(pack, bank))
        summary = DispatchSummary(
            outlet=plan.count(ShipmentMethod.OUTLET),
            post=plan.count(ShipmentMethod.POST),
            visit=plan.count(ShipmentMethod.VISIT),
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


def _made_cards_locked(batch_id: int) -> list[tuple[Any, ...]]:
    """The batch's made cards not yet on their way, locked in id order, with what decides
    their way: (id, pack hash, bank, application, pickup, action, outlet, unit's outlet,
    district)."""
    return list(
        Card.objects.select_for_update(of=("self",))
        .filter(batch_entry__batch_id=batch_id, stage=CardStage.PRODUCED)
        .order_by("pk")
        .values_list(
            "pk", "pack_hash", "bank_code", "application_id", "application__pickup",
            "application__action", "application__outlet_id",
            "application__collective__pickup_outlet_id",
            "person__insured_region",
        )
    )  # fmt: skip


def _plan(cards: list[tuple[Any, ...]], packs: dict[str, Pack]) -> _Plan:
    """Each card's way by its pack's pickup method; a card with none refuses the batch."""
    plan = _Plan()
    fallback: dict[tuple[str, str], int | None] = {}
    for row in cards:
        (card_id, pack_hash, bank, application_id, pickup, action,
         outlet_id, unit_outlet, district) = row  # fmt: skip
        method = packs[pack_hash].pickup_methods.get(pickup) if pack_hash in packs else None
        mode = METHOD_OF.get(method.handover if method is not None else "outlet")
        if mode is None:
            raise DeliveryErrorCode.CARD_NOT_DISPATCHABLE.error(card_id=card_id)
        posted = mode == ShipmentMethod.POST
        destination = unit_outlet or outlet_id
        if not posted and destination is None:
            key = (bank, district or "")
            if key not in fallback:
                fallback[key] = default_outlet_id(bank_code=key[0], district=key[1])
            destination = fallback[key]
            if destination is None:
                raise DeliveryErrorCode.PICKUP_OUTLET_MISSING.error(card_id=card_id, bank=bank)
        postage = postage_for(packs[pack_hash]) if posted and pack_hash in packs else 0
        plan.legs.append(_Leg(card_id, mode, None if posted else destination, postage))
        template = (
            progress_sms(pack=packs[pack_hash], pickup=pickup, action=action, step=POSTED)
            if posted and pack_hash in packs
            else None
        )
        if template is not None:
            plan.notify[(pack_hash, template, bank)].append(application_id)
    return plan


def _cards_sent(legs: list[_Leg], now: datetime) -> None:
    """The cards are on their way: when they left, and the outlet each is collected at (none
    by post), one statement per outlet."""
    by_outlet: dict[int | None, list[int]] = defaultdict(list)
    for leg in legs:
        by_outlet[leg.outlet_id].append(leg.card_id)
    for outlet_id, card_ids in by_outlet.items():
        cards_advance(
            card_ids=card_ids,
            from_stages=[CardStage.PRODUCED],
            to_stage=CardStage.DISPATCHED,
            dispatched_at=now,
            pickup_outlet_id=outlet_id,
        )


def _shipments_write(legs: list[_Leg], now: datetime) -> None:
    """One shipment per leg, in one statement; a posted one gets its tracking number."""
    writer = BulkWriter()
    ids = writer.allocate_ids(Shipment._meta.db_table, len(legs))
    rows: list[tuple[object, ...]] = []
    for pk, leg in zip(ids, legs, strict=True):
        posted = leg.mode == ShipmentMethod.POST
        rows.append(
            (pk, leg.card_id, leg.mode.value, leg.outlet_id,
             tracking_number(pk) if posted else None, ShipmentStatus.IN_TRANSIT.value,
             leg.postage, writer.timestamp(now), None, None)
        )  # fmt: skip
    writer.insert(Shipment._meta.db_table, SHIPMENT_COLUMNS, rows)

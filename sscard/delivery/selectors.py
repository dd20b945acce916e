"""Reads of delivery: an outlet's stock and a card's way to its holder."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound
from sscard.delivery.choices import ShipmentStatus
from sscard.delivery.models import Shipment
from sscard.network.choices import OutletKind
from sscard.network.models import Outlet

STOCK = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.AT_OUTLET)


def outlet_stock(*, actor: Actor) -> QuerySet[Shipment]:
    """The cards on their way to the clerk's outlet or in its stock, oldest first."""
    if actor.role not in (Role.BANK_CLERK, Role.COMMUNITY_CLERK) or actor.outlet_id is None:
        return Shipment.objects.none()
    return (
        Shipment.objects.filter(outlet_id=actor.outlet_id, status__in=STOCK)
        .select_related("card__person")
        .order_by("status", "dispatched_at", "pk")
    )


def clerk_outlet(*, actor: Actor) -> Outlet | None:
    """The outlet the clerk works at, with its bank."""
    if actor.outlet_id is None:
        return None
    return Outlet.objects.select_related("bank").filter(pk=actor.outlet_id).first()


def default_outlet_id(*, bank_code: str, district: str) -> int | None:
    """chosen: a card to collect at a branch whose application named no outlet (an online
    application) goes to an outlet of its bank in the holder's district, else any of its
    outlets; the lowest code decides, so the answer is stable."""
    outlets = Outlet.objects.filter(bank__code=bank_code, kind=OutletKind.BANK_BRANCH)
    found = outlets.filter(district=district).order_by("code").values_list("pk", flat=True)
    return found.first() or outlets.order_by("code").values_list("pk", flat=True).first()


def stock_counts(*, actor: Actor) -> dict[str, int]:
    """How many cards are on their way to the outlet and how many are in its stock."""
    counts = dict(
        outlet_stock(actor=actor)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in STOCK}


def open_shipments_here(*, actor: Actor, card_ids: Iterable[int]) -> dict[int, Shipment]:
    """The open shipment to the clerk's outlet of each of these cards (at most one each)."""
    ids = list(card_ids)
    if actor.outlet_id is None or not ids:
        return {}
    return {
        s.card_id: s
        for s in Shipment.objects.filter(
            card_id__in=ids,
            outlet_id=actor.outlet_id,
            status__in=[ShipmentStatus.IN_TRANSIT, ShipmentStatus.AT_OUTLET],
        )
    }


def card_ready_notice(*, actor: Actor, card_id: int) -> Shipment:
    """The shipment that waits at an outlet for the card's holder, for its card-ready notice
    (领卡通知): the clerk's outlet's stock, or the holder's own (or their child's) card.
    Anything else answers ``not_found``, as a missing card does."""
    shipments = Shipment.objects.filter(
        card_id=card_id, status=ShipmentStatus.AT_OUTLET
    ).select_related("card__person", "outlet__bank")
    clerk = actor.role in (Role.BANK_CLERK, Role.COMMUNITY_CLERK)
    if clerk and actor.outlet_id is not None:
        shipments = shipments.filter(outlet_id=actor.outlet_id)
    elif actor.role is Role.CARDHOLDER and actor.person_id is not None:
        shipments = shipments.filter(
            Q(card__person_id=actor.person_id) | Q(card__person__guardian_id=actor.person_id)
        )
    else:
        shipments = shipments.none()
    found = shipments.first()
    if found is None or found.outlet is None:
        raise NotFound("card", what_zh="该卡")
    return found


def batch_shipments(*, batch_id: int) -> QuerySet[Shipment]:
    """The first leg of each card of a batch (the one dispatch wrote), by destination: the
    rows of the batch's hand-over sheet (交接单)."""
    first_legs = Shipment.objects.filter(card_id=OuterRef("card_id")).order_by(
        "dispatched_at", "pk"
    )
    return (
        Shipment.objects.filter(card__batch_entry__batch_id=batch_id)
        .filter(pk=Subquery(first_legs.values("pk")[:1]))
        .select_related("card__person", "outlet__bank")
        .order_by("method", "outlet__code", "card__card_number")
    )

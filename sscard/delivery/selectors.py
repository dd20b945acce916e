"""Reads of delivery: an outlet's stock and a card's way to its holder."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet

from sscard.core.actors import Actor, Role
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

"""Reads of delivery: an outlet's stock and a card's way to its holder."""

from __future__ import annotations

from django.db.models import QuerySet

from sscard.core.actors import Actor, Role
from sscard.delivery.choices import ShipmentStatus
from sscard.delivery.models import Shipment

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


def card_shipments(card_id: int) -> QuerySet[Shipment]:
    """A card's legs, first to last (the caller has checked it may see the card)."""
    return Shipment.objects.filter(card_id=card_id).select_related("outlet").order_by("pk")

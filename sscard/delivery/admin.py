"""Admin of delivery: the shipments of made cards and the post's events, read-only (they are
written by the delivery services only, each audited)."""

from __future__ import annotations

from django.contrib import admin

from sscard.core.admin import ReadOnlyAdmin
from sscard.delivery.models import PostEvent, Shipment


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "card", "method", "outlet", "tracking_number", "status", "dispatched_at")
    list_filter = ("method", "status")
    list_select_related = ("card", "outlet")
    search_fields = ("tracking_number", "card__card_number")
    date_hierarchy = "dispatched_at"
    fields = (
        "card",
        "method",
        "outlet",
        "tracking_number",
        "status",
        "postage_fen",
        "dispatched_at",
        "received_at",
        "closed_at",
    )
    readonly_fields = fields


@admin.register(PostEvent)
class PostEventAdmin(ReadOnlyAdmin):
    list_display = ("tracking_number", "kind", "event_id", "occurred_at", "received_at")
    list_filter = ("kind",)
    search_fields = ("tracking_number", "event_id")
    date_hierarchy = "occurred_at"
    fields = (
        "tracking_number",
        "kind",
        "event_id",
        "occurred_at",
        "received_at",
        "reason",
        "shipment",
    )
    readonly_fields = fields

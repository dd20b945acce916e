"""Admin of production: batches, the cards in them, the card-factory files and results,
read-only (they are written by the production services only, each audited).

A card's private key is never shown: its row says which card has one, nothing more.
"""

from __future__ import annotations

from django.contrib import admin

from sscard.core.admin import ReadOnlyAdmin
from sscard.production.models import Batch, BatchCard, CardKey, FactoryExport, FactoryResult


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "channel", "collected_on", "status", "card_count", "created_at")
    list_filter = ("kind", "status", "channel")
    date_hierarchy = "collected_on"
    fields = (
        "kind",
        "channel",
        "collected_on",
        "status",
        "card_count",
        "created_at",
        "created_by",
        "personalised_at",
    )
    readonly_fields = fields


@admin.register(BatchCard)
class BatchCardAdmin(ReadOnlyAdmin):
    list_display = ("card", "batch", "outcome", "defect_reason")
    list_filter = ("outcome",)
    list_select_related = ("card", "batch")
    search_fields = ("card__card_number",)
    fields = ("card", "batch", "outcome", "defect_reason")
    readonly_fields = fields


@admin.register(CardKey)
class CardKeyAdmin(ReadOnlyAdmin):
    list_display = ("card",)
    list_select_related = ("card",)
    search_fields = ("card__card_number",)
    fields = ("card",)  # never key_wrapped
    readonly_fields = fields


@admin.register(FactoryExport)
class FactoryExportAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "file_name", "card_count", "bytes", "created_at")
    list_select_related = ("batch",)
    search_fields = ("file_name", "cipher_sm3", "plain_sm3")
    date_hierarchy = "created_at"
    fields = (
        "batch",
        "file_name",
        "card_count",
        "bytes",
        "plain_sm3",
        "cipher_sm3",
        "manifest",
        "created_at",
        "created_by",
    )
    readonly_fields = fields


@admin.register(FactoryResult)
class FactoryResultAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "made", "defective", "unchanged", "remake_batch", "created_at")
    list_select_related = ("batch", "remake_batch")
    search_fields = ("file_sm3",)
    date_hierarchy = "created_at"
    fields = (
        "batch",
        "file_sm3",
        "made",
        "defective",
        "unchanged",
        "remake_batch",
        "created_at",
        "created_by",
    )
    readonly_fields = fields

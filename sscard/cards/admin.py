"""Admin of the cards: the records of verifications (核验记录), read-only.

The bureau may look up which relying party's terminal checked a card, when, and what it heard;
the records are written by verification only.
"""

from __future__ import annotations

from django.contrib import admin

from sscard.cards.models import CardVerification
from sscard.core.admin import ReadOnlyAdmin


@admin.register(CardVerification)
class CardVerificationAdmin(ReadOnlyAdmin):
    list_display = (
        "checked_at",
        "card_number",
        "status",
        "relying_party",
        "terminal_number",
        "device_number",
    )
    list_filter = ("status",)
    list_select_related = ("relying_party",)
    search_fields = ("card_number", "terminal_number", "device_number")
    date_hierarchy = "checked_at"
    fields = (
        "checked_at",
        "card",
        "card_number",
        "relying_party",
        "asked_by_user_id",
        "terminal_number",
        "device_number",
        "status",
    )
    readonly_fields = fields

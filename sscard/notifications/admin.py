"""Admin of the outbox: read-only, with masked phones (messages are written by services)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sscard.core.admin import ReadOnlyAdmin
from sscard.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "phone_masked",
        "template_key",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error_name",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "template_key", "provider")
    search_fields = ("template_key", "provider_message_id")
    date_hierarchy = "created_at"
    fields = (
        "phone_masked",
        "person_id",
        "template_key",
        "text",
        "pack_hash",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error_name",
        "last_error",
        "provider",
        "provider_message_id",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields

    @admin.display(description=_("why it failed"))
    def last_error_name(self, obj: OutboxMessage) -> str:
        return obj.last_error_name

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboxMessage]:
        return super().get_queryset(request).defer("phone_enc", "phone_index")

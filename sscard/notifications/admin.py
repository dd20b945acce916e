"""Admin of the outbox: read-only, with masked phones (messages are written by services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sscard.core.actors import Actor
from sscard.core.admin import ReadOnlyAdmin
from sscard.notifications.models import OutboxMessage, ReminderOptOut
from sscard.notifications.services import reminders_set


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


@admin.register(ReminderOptOut)
class ReminderOptOutAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Who asked for no reminders. The bureau records one a person asked for by phone, and
    deletes one to let reminders go again: both through the service, audited."""

    list_display = ("person_id", "since", "set_by")
    search_fields = ("person_id",)
    fields = ("person_id",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a row is added or deleted, never changed

    @staticmethod
    def _actor(request: HttpRequest) -> Actor:
        return Actor.system(f"admin:{request.user}"[:150])

    def save_model(
        self, request: HttpRequest, obj: ReminderOptOut, form: Any, change: bool
    ) -> None:
        reminders_set(actor=self._actor(request), person_id=obj.person_id, wanted=False)
        saved = ReminderOptOut.objects.get(person_id=obj.person_id)
        obj.pk, obj.since, obj.set_by = saved.pk, saved.since, saved.set_by

    def delete_model(self, request: HttpRequest, obj: ReminderOptOut) -> None:
        reminders_set(actor=self._actor(request), person_id=obj.person_id, wanted=True)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ReminderOptOut]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

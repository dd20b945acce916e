"""Admin of the applications: read-only (every write is a service, which audits it)."""

from __future__ import annotations

from django.contrib import admin

from sscard.applications.models import Application, CollectiveApplication, Photo, RosterEntry
from sscard.core.admin import ReadOnlyAdmin


@admin.register(Photo)
class PhotoAdmin(ReadOnlyAdmin):
    list_display = ("digest", "source", "width", "height", "bytes", "person", "created_at")
    list_filter = ("source",)
    list_select_related = ("person",)
    search_fields = ("digest",)
    fields = (
        "digest",
        "source",
        "content_type",
        "width",
        "height",
        "bytes",
        "person",
        "created_at",
    )
    readonly_fields = fields


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "person",
        "channel",
        "action",
        "status",
        "bank_code",
        "pickup",
        "clause",
        "applied_on",
    )
    list_filter = ("status", "channel", "action", "pickup", "clause")
    list_select_related = ("person",)
    raw_id_fields = ("person", "applicant", "outlet", "backup_centre", "photo", "collective")


@admin.register(CollectiveApplication)
class CollectiveApplicationAdmin(ReadOnlyAdmin):
    list_display = ("pk", "employer", "channel", "step", "bank_code", "pickup", "submitted_count")
    list_filter = ("step", "channel")
    list_select_related = ("employer",)


@admin.register(RosterEntry)
class RosterEntryAdmin(ReadOnlyAdmin):
    list_display = ("pk", "collective", "person", "status", "phone_masked", "reminders")
    list_filter = ("status",)
    list_select_related = ("person",)
    raw_id_fields = ("collective", "person", "photo", "backup_centre")

"""Admin of the shared records (audit trail, import jobs), and the admin site's titles.

The admin reads; writes go through services so that each one is audited. Hence most model
admins here and in the apps are read-only (``ReadOnlyAdmin``).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sscard.core.models import (
    Approval,
    AuditChainHead,
    AuditCheckpoint,
    AuditEvent,
    BackgroundJob,
    CalendarYear,
    ImportJob,
    Milestone,
    MilestoneGapTally,
    MilestoneTally,
    MilestoneTallyMark,
)

admin.site.site_header = _("Social Security Card Service Platform administration")
admin.site.site_title = _("Social Security Card Service Platform administration")
admin.site.index_title = _("Administration")


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A model whose rows the admin may look at but not add, change or delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "actor_role", "action", "object_type", "object_id")
    list_filter = ("action", "actor_role", "object_type")
    search_fields = ("object_id", "actor_label", "action")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor_role",
        "actor_label",
        "actor_user_id",
        "action",
        "object_type",
        "object_id",
        "changes",
        "pack_hash",
        "prev_hash_hex",
        "hash_hex",
    )
    readonly_fields = fields

    @admin.display(description=_("previous hash"))
    def prev_hash_hex(self, obj: AuditEvent) -> str:
        return bytes(obj.prev_hash).hex()

    @admin.display(description=_("hash"))
    def hash_hex(self, obj: AuditEvent) -> str:
        return bytes(obj.hash).hex()


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyAdmin):
    list_display = ("id", "last_event_id", "last_hash_hex")
    fields = ("last_event_id", "last_hash_hex")
    readonly_fields = fields

    @admin.display(description=_("hash"))
    def last_hash_hex(self, obj: AuditChainHead) -> str:
        return bytes(obj.last_hash).hex()


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "last_event_id", "events")
    fields = ("at", "last_event_id", "events", "last_hash_hex", "signature_hex")
    readonly_fields = fields

    @admin.display(description=_("last link"))
    def last_hash_hex(self, obj: AuditCheckpoint) -> str:
        return bytes(obj.last_hash).hex()

    @admin.display(description=_("SM2 signature"))
    def signature_hex(self, obj: AuditCheckpoint) -> str:
        return bytes(obj.signature).hex()


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "file_name",
        "status",
        "rows_read",
        "rows_inserted",
        "rows_unchanged",
        "rows_refused",
        "started_at",
        "actor_label",
    )
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_digest", "actor_label")
    date_hierarchy = "started_at"
    readonly_fields = tuple(f.name for f in ImportJob._meta.fields)


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "kind", "object_type", "object_id", "file_name", "status", "created_at",
        "finished_at", "actor_label",
    )  # fmt: skip
    list_filter = ("kind", "status")
    search_fields = ("file_name", "file_digest", "actor_label", "object_id")
    date_hierarchy = "created_at"
    readonly_fields = tuple(f.name for f in BackgroundJob._meta.fields)


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "source", "example", "loaded_by", "loaded_at")
    readonly_fields = (
        "year", "source", "example", "holidays", "working_weekends", "file_name", "file_digest",
        "loaded_by", "loaded_by_role", "loaded_by_user_id", "loaded_at",
    )  # fmt: skip


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    """The campaign's dated events (issue 13), appended by the services; read only."""

    list_display = ("id", "kind", "day", "city_code", "district_code", "channel", "first")
    list_filter = ("kind", "first")
    date_hierarchy = "day"
    readonly_fields = tuple(f.name for f in Milestone._meta.fields)


@admin.register(MilestoneTally)
class MilestoneTallyAdmin(ReadOnlyAdmin):
    list_display = ("city_code", "day", "kind", "district_code", "channel", "first", "n")
    list_filter = ("kind",)
    readonly_fields = tuple(f.name for f in MilestoneTally._meta.fields)


@admin.register(MilestoneGapTally)
class MilestoneGapTallyAdmin(ReadOnlyAdmin):
    list_display = ("city_code", "day", "kind", "district_code", "gap_days", "n")
    list_filter = ("kind",)
    readonly_fields = tuple(f.name for f in MilestoneGapTally._meta.fields)


@admin.register(MilestoneTallyMark)
class MilestoneTallyMarkAdmin(ReadOnlyAdmin):
    list_display = ("id", "last_id", "refreshed_at")
    readonly_fields = tuple(f.name for f in MilestoneTallyMark._meta.fields)


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyAdmin):
    """Changes awaiting a second officer: decided on the approvals page, read here."""

    list_display = ("pk", "kind", "state", "subject_type", "subject_id", "maker_label", "made_at")
    list_filter = ("state", "kind")
    search_fields = ("subject_id", "maker_label", "checker_label")
    date_hierarchy = "made_at"
    exclude = ("secret",)

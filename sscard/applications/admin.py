"""Admin of the applications: read-only (photos are stored by services, which audit them)."""

from __future__ import annotations

from django.contrib import admin

from sscard.applications.models import Photo
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

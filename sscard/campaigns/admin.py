"""Admin of campaigns: read-only history (a campaign changes only through its services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from sscard.campaigns.models import Campaign


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "pack_id", "city_code", "status", "in_force_from", "in_force_until")
    list_filter = ("status", "city_code")
    readonly_fields = [f.name for f in Campaign._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

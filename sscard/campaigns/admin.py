"""Admin of campaigns: read-only history (a campaign changes only through its services)."""

from __future__ import annotations

from django.contrib import admin

from sscard.campaigns.models import Campaign, OutreachReminder, OutreachRound
from sscard.core.admin import ReadOnlyAdmin


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "pack_id", "city_code", "status", "in_force_from", "in_force_until")
    list_filter = ("status", "city_code")
    readonly_fields = [f.name for f in Campaign._meta.fields]


@admin.register(OutreachRound)
class OutreachRoundAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "status", "city_code", "district_code", "day", "sent")
    list_filter = ("kind", "status", "city_code")
    readonly_fields = [f.name for f in OutreachRound._meta.fields]


@admin.register(OutreachReminder)
class OutreachReminderAdmin(ReadOnlyAdmin):
    list_display = ("pk", "round", "person_id", "day")
    readonly_fields = [f.name for f in OutreachReminder._meta.fields]

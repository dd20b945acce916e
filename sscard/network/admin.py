"""Admin of the service network: read-only (outlets come in through the audited import)."""

from __future__ import annotations

from django.contrib import admin

from sscard.core.admin import ReadOnlyAdmin
from sscard.network.models import Bank, Booking, Outlet, RelyingParty, TimeSlot


@admin.register(Bank)
class BankAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "hotline")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Outlet)
class OutletAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "bank", "district", "instant_issuance")
    list_filter = ("kind", "instant_issuance", "bank", "district")
    list_select_related = ("bank",)
    search_fields = ("code", "name", "address")
    fields = (
        "code",
        "name",
        "kind",
        "bank",
        "district",
        "instant_issuance",
        "address",
        "import_job",
    )
    readonly_fields = fields


@admin.register(RelyingParty)
class RelyingPartyAdmin(ReadOnlyAdmin):
    """Parties are onboarded through the audited service (the file import and its API), which
    also gives each its account and token; the admin reads them."""

    list_display = ("code", "name", "kind", "district", "contact", "onboarded_at")
    list_filter = ("kind", "district")
    search_fields = ("code", "name", "contact")
    fields = ("code", "name", "kind", "district", "contact", "onboarded_at")
    readonly_fields = fields


@admin.register(TimeSlot)
class TimeSlotAdmin(ReadOnlyAdmin):
    """Time slots change through the audited services (the capacity page and its API)."""

    list_display = ("outlet", "day", "start", "end", "capacity", "booked")
    list_filter = ("day",)
    list_select_related = ("outlet",)


@admin.register(Booking)
class BookingAdmin(ReadOnlyAdmin):
    """Bookings change through the audited services; the person shows masked."""

    list_display = ("pk", "person", "outlet", "slot", "purpose", "status", "channel")
    list_filter = ("status", "purpose", "channel")
    list_select_related = ("person", "outlet", "slot")
    fields = ("person", "outlet", "slot", "purpose", "status", "channel", "booked_by", "booked_at")
    readonly_fields = fields

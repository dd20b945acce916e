"""Admin of the service network: read-only (outlets come in through the audited import)."""

from __future__ import annotations

from django.contrib import admin

from sscard.core.admin import ReadOnlyAdmin
from sscard.network.models import Bank, Outlet, RelyingParty


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
    list_display = ("code", "name", "kind", "district")
    list_filter = ("kind",)
    search_fields = ("code", "name")

"""Admin of the registry: read-only (data comes in through the audited bulk import).

Persons show only masked identifiers, and are found by their full ID number or phone through
the keyed index, never by scanning plaintext.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from sscard.core.admin import ReadOnlyAdmin
from sscard.core.clock import today
from sscard.core.crypto import id_number_indexes, phone_indexes
from sscard.kernel import idnumber
from sscard.registry.models import (
    Departure,
    Division,
    Employer,
    FieldKeyRetirement,
    FormerIdentifier,
    Person,
    School,
)


@admin.register(Division)
class DivisionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "level", "parent", "abolished")
    list_filter = ("level", "abolished")
    search_fields = ("code", "name_zh", "name_en")


@admin.register(Employer)
class EmployerAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "insured_district", "created_at")
    list_filter = ("insured_district",)
    search_fields = ("name", "credit_code")
    fields = (
        "credit_code",
        "name",
        "insured_district",
        "payroll_banks",
        "import_job",
        "created_at",
    )
    readonly_fields = fields


@admin.register(School)
class SchoolAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "kind", "district")
    list_filter = ("kind", "district")
    search_fields = ("name", "code")
    fields = ("code", "name", "kind", "district", "import_job", "created_at")
    readonly_fields = fields


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = (
        "masked_name_display",
        "id_number_masked",
        "sex",
        "birth_date",
        "category",
        "insured_region",
        "hukou_region",
        "employer",
    )
    list_filter = ("category", "sex", "id_kind", "upgraded_from_15")
    list_select_related = ("employer",)
    search_fields = ("id_number_masked",)  # the box is answered by get_search_results below
    search_help_text = _("Enter a full ID number or mobile phone number.")
    show_full_result_count = False
    fields = (
        "masked_name_display",
        "id_number_masked",
        "id_kind",
        "upgraded_from_15",
        "sex",
        "birth_date",
        "phone_masked",
        "hukou_region",
        "insured_region",
        "category",
        "employer",
        "school",
        "guardian",
        "pension_bank",
        "address",
        "import_job",
        "created_at",
    )
    readonly_fields = fields

    @admin.display(description=_("name"))
    def masked_name_display(self, obj: Person) -> str:
        return obj.masked_name

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        """Find by full ID number or phone through the keyed index; nothing else is searched."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if idnumber.is_valid(term, today=today()):
            value = idnumber.parse(term, today=today()).value
            return queryset.filter(id_number_index__in=id_number_indexes(value)), False
        if term.isdigit() and len(term) == 11:
            return queryset.filter(phone_index__in=phone_indexes(term)), False
        return queryset.none(), False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer("id_number_enc", "phone_enc")


@admin.register(Departure)
class DepartureAdmin(ReadOnlyAdmin):
    """Deaths and departures: recorded and reversed through the audited services, read here."""

    list_display = ("person", "kind", "on", "source", "district_code", "recorded_at", "reversed_at")
    list_filter = ("kind", "source")
    list_select_related = ("person",)
    date_hierarchy = "on"
    search_fields = ("reference",)


@admin.register(FormerIdentifier)
class FormerIdentifierAdmin(ReadOnlyAdmin):
    """ID numbers a person held before a correction (masked; found by their index)."""

    list_display = ("id_number_masked", "person", "until", "approval_id")
    list_select_related = ("person",)
    date_hierarchy = "until"
    fields = ("person", "id_number_masked", "until", "approval_id")
    readonly_fields = fields


@admin.register(FieldKeyRetirement)
class FieldKeyRetirementAdmin(ReadOnlyAdmin):
    list_display = ("version", "retired_at", "retired_by")

"""Pages of the service network."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from sscard.core.exports import (
    Cell,
    CodeNames,
    Column,
    ExportTable,
    coded,
    export_response,
    form_filters,
)
from sscard.core.htmx import template_for
from sscard.core.names import Kind, names_of
from sscard.core.views import actor_required, english_page, request_actor
from sscard.network.choices import OutletKind
from sscard.network.forms import OutletFilterForm
from sscard.network.models import Outlet
from sscard.network.selectors import outlet_list

PAGE_SIZE = 25


def _outlets_filtered(request: HttpRequest) -> tuple[OutletFilterForm, QuerySet[Outlet]]:
    """The page's filter and the outlets it selects: the list and its export share both."""
    form = OutletFilterForm(request.GET or None, english=english_page())
    filters = form.filters()
    outlets = outlet_list(
        actor=request_actor(request),
        kind=filters.get("kind"),
        district=filters.get("district"),
        bank=filters.get("bank"),
    )
    return form, outlets


@actor_required()
def outlet_list_page(request: HttpRequest) -> HttpResponse:
    """Where to apply for and collect a card: outlets by kind, bank and district, paginated
    with their count."""
    english = english_page()
    form, outlets = _outlets_filtered(request)
    page = Paginator(outlets, PAGE_SIZE).get_page(request.GET.get("page"))
    regions = names_of(Kind.REGION, (o.district for o in page), english=english)
    # The outlets come with their bank (``select_related``): its names need no query of their own.
    banks = {o.bank.code: o.bank.name_en if english else o.bank.name_zh for o in page if o.bank}
    query = request.GET.copy()
    query.pop("page", None)
    template = template_for(request, "network/outlet_list.html", "network/htmx/outlet_results.html")
    context = {
        "form": form,
        "page": page,
        "regions": regions,
        "banks": banks,
        "query": query.urlencode(),
    }
    return render(request, template, context)


def _outlet_rows(outlets: QuerySet[Outlet]) -> Iterator[Sequence[Cell]]:
    kinds = dict(OutletKind.choices)
    banks, regions = CodeNames(Kind.BANK), CodeNames(Kind.REGION)
    for outlet in outlets.iterator(chunk_size=2000):
        bank = outlet.bank.code if outlet.bank else ""
        yield (
            outlet.name,
            outlet.code,
            str(kinds.get(outlet.kind, outlet.kind)),
            outlet.kind,
            banks(bank),
            bank,
            regions(outlet.district),
            outlet.district,
            _("Yes") if outlet.instant_issuance else _("No"),
            outlet.address,
        )


@actor_required()
def outlet_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The outlets the page lists, with its filter, as XLSX or CSV."""
    form, outlets = _outlets_filtered(request)
    table = ExportTable(
        title=_("Service outlets"),
        file_stem="outlets",
        columns=[
            Column(_("Name"), 30),
            Column(_("Outlet code"), 14),
            *coded(_("Kind")),
            *coded(_("Bank"), width=20),
            *coded(_("District"), width=20),
            Column(_("Instant issuance"), 10),
            Column(_("Address"), 40),
        ],
        rows=_outlet_rows(outlets),
        filters=form_filters(form) if form.is_valid() else [],  # as the list
    )
    return export_response(request, table, fmt)

"""XLSX and CSV exports of the campaign's statistics (issue 13): the figures for a day, the
daily or weekly series, and the funnel. Each reads the same selector as the pages and the API
(``reports.statistics``), with the same query names (``day``, ``district``, ``employer``,
``group``; ``starts``, ``ends``, ``step``, ``kinds``), so the page's export link carries the
page's query string. Every coded value is exported as its name and, beside it, its code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any, Literal

from django import forms
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.translation import gettext as _

from sscard.core.actors import Role
from sscard.core.clock import today
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.names import Kind, name_of
from sscard.core.views import actor_required, request_actor
from sscard.registry.models import Employer
from sscard.reports.errors import ReportsErrorCode
from sscard.reports.statistics import (
    APPLIED_NET,
    KINDS,
    StatScope,
    dimension_label,
    figures_on,
    funnel,
    group_choices,
    kind_label,
    scope_for,
    series,
)

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR)


class _Query(forms.Form):
    """The query string of a statistics export, as the pages and the API name it."""

    day = forms.DateField(required=False)
    starts = forms.DateField(required=False)
    ends = forms.DateField(required=False)
    step = forms.ChoiceField(required=False, choices=[("day", "day"), ("week", "week")])
    district = forms.CharField(required=False, max_length=6)
    employer = forms.IntegerField(required=False, min_value=1)
    group = forms.CharField(required=False, max_length=64)
    kinds = forms.MultipleChoiceField(required=False, choices=[(k, k) for k in KINDS])


def _query(request: HttpRequest) -> dict[str, Any]:
    form = _Query(request.GET)
    if not form.is_valid():
        raise ReportsErrorCode.STATISTICS_QUERY_INVALID.error_with(
            {"fields": sorted(form.errors)}, fields=sorted(form.errors)
        )
    return dict(form.cleaned_data)


def _scope(request: HttpRequest, query: dict[str, Any]) -> StatScope:
    return scope_for(
        request_actor(request),
        district_code=query["district"] or None,
        employer_id=query["employer"],
        group=query["group"] or None,
    )


def _scope_words(request: HttpRequest, scope: StatScope) -> list[tuple[str, str]]:
    """The scope in words for the file's header: names, never codes."""
    words: list[tuple[str, str]] = []
    if scope.district_code:
        words.append((_("District"), name_of(Kind.REGION, scope.district_code)))
    if scope.employer_id is not None:
        employer = Employer.objects.filter(pk=scope.employer_id).values_list("name", flat=True)
        words.append((_("Employer"), employer.first() or str(scope.employer_id)))
    if scope.group:
        groups = dict(group_choices(request_actor(request)))
        words.append((_("Group"), groups.get(scope.group, scope.group)))
    return words


@actor_required(*READERS)
def statistics_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The figures as they stood at the end of the day asked (default today): each kind up to
    the day and on it, then applications by channel, group, district, bank and employer."""
    query = _query(request)
    scope = _scope(request, query)
    day: date = query["day"] or today()
    figures = figures_on(actor=request_actor(request), day=day, scope=scope)

    def rows() -> Iterator[list[Cell]]:
        figures_title = _("Figures")
        for kind in (*KINDS, APPLIED_NET):
            on_day = figures.on_day.get(kind)
            yield [figures_title, kind_label(kind), kind, figures.cumulative[kind], on_day]
        for breakdown in figures.applications_by:
            title = _("Applications by %(dimension)s") % {
                "dimension": dimension_label(breakdown.dimension).lower()
            }
            for code, name, count in breakdown.rows:
                yield [title, name, code, count, None]

    table = ExportTable(
        title=_("Campaign statistics"),
        file_stem=f"statistics-{day.isoformat()}",
        columns=[
            Column(_("Table"), 30),
            *coded(_("Name"), width=36),
            Column(_("Up to the day"), 14),
            Column(_("On the day"), 12),
        ],
        rows=rows(),
        filters=[(_("As on"), day.isoformat()), *_scope_words(request, scope)],
    )
    return export_response(request, table, fmt)


@actor_required(*READERS)
def series_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The daily or weekly series of the period asked (default: the 30 days to the day asked,
    or today): per period and kind, the events in it and the total at its end."""
    query = _query(request)
    scope = _scope(request, query)
    ends: date = query["ends"] or query["day"] or today()
    starts: date = query["starts"] or date.fromordinal(ends.toordinal() - 29)
    step: Literal["day", "week"] = "week" if query["step"] == "week" else "day"
    kinds = query["kinds"] or None
    points = series(
        actor=request_actor(request), starts=starts, ends=ends, step=step, scope=scope, kinds=kinds
    )

    def rows() -> Iterator[list[Cell]]:
        for point in points:
            for kind, count in point.counts.items():
                yield [point.starts, point.ends, kind_label(kind), kind, count, point.totals[kind]]

    table = ExportTable(
        title=_("Campaign statistics, week by week")
        if step == "week"
        else _("Campaign statistics, day by day"),
        file_stem=f"statistics-series-{starts.isoformat()}-{ends.isoformat()}",
        columns=[
            Column(_("From"), 12),
            Column(_("To"), 12),
            *coded(_("Figure"), width=24),
            Column(_("In the period"), 14),
            Column(_("Total at its end"), 16),
        ],
        rows=rows(),
        filters=[
            (_("From"), starts.isoformat()),
            (_("To"), ends.isoformat()),
            (_("Interval"), _("Weekly") if step == "week" else _("Daily")),
            *_scope_words(request, scope),
        ],
    )
    return export_response(request, table, fmt)


@actor_required(*READERS)
def funnel_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The funnel at the end of the day asked (default today): persons at each step, the
    conversion from the step before (in per cent) and the median days between the steps."""
    query = _query(request)
    scope = _scope(request, query)
    day: date = query["day"] or today()
    steps = funnel(actor=request_actor(request), day=day, scope=scope)

    def rows() -> Iterator[list[Cell]]:
        for step in steps:
            conversion = round(step.conversion * 100, 1) if step.conversion is not None else None
            yield [step.label, step.kind, step.count, conversion, step.median_days]

    table = ExportTable(
        title=_("Campaign funnel"),
        file_stem=f"funnel-{day.isoformat()}",
        columns=[
            *coded(_("Funnel step"), width=24),
            Column(_("Persons"), 12),
            Column(_("Conversion from the step before (%)"), 18),
            Column(_("Median days from the step before"), 18),
        ],
        rows=rows(),
        filters=[(_("As on"), day.isoformat()), *_scope_words(request, scope)],
    )
    return export_response(request, table, fmt)

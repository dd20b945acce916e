"""The bureau's report pages: overdue cards (BJ-11) per bank, outlet and district, the backlog
of cards in the making, and the official working-day calendar. Views parse, call a selector or
the service, and render."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sscard.applications.selectors import calendar_may_load
from sscard.applications.services import calendar_year_load
from sscard.campaigns.forms import DayForm
from sscard.cards.choices import CardStage
from sscard.core.actors import Role
from sscard.core.calendar import calendar_status
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.views import actor_required, english_page, error_text, request_actor
from sscard.network.selectors import bank_names
from sscard.registry.selectors import division_names
from sscard.reports.forms import CalendarUploadForm
from sscard.reports.selectors import OverdueRow, backlog, due_pending_by, overdue_by

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


@dataclass(frozen=True, slots=True)
class Bar:
    """One line of a bar table: a label, its count, and the bar's share of the longest."""

    key: str
    label: str
    count: int
    width: int
    oldest_due: date | None = None


def _bars(rows: list[tuple[str, str, int, date | None]]) -> list[Bar]:
    peak = max((n for _k, _l, n, _d in rows), default=0) or 1
    return [Bar(k, label, n, max(1, 100 * n // peak), due) for k, label, n, due in rows]


def _overdue(rows: list[OverdueRow], names: dict[str, str], unnamed: str) -> list[Bar]:
    return _bars(
        [(r.key, names.get(r.key) or r.label or unnamed, r.count, r.oldest_due) for r in rows]
    )


def _overdue_context(request: HttpRequest) -> dict[str, Any]:
    """The report's figures for the day asked (today by default): the page and its export
    read the same ones."""
    actor = request_actor(request)
    english = english_page()
    day_form = DayForm(request.GET or None)
    day = (day_form.cleaned_data.get("on") if day_form.is_valid() else None) or today()
    by_bank = overdue_by(actor=actor, today=day, by="bank")
    by_outlet = overdue_by(actor=actor, today=day, by="outlet")
    by_district = overdue_by(actor=actor, today=day, by="district")
    found = backlog(actor=actor)
    pending = due_pending_by(actor=actor, by="bank")
    banks = bank_names(
        {r.key for r in by_bank} | {code for code, _n in found.by_bank} | {r.key for r in pending},
        english=english,
    )
    districts = division_names({r.key for r in by_district if r.key}, english=english)
    stage_labels = dict(CardStage.choices)
    context: dict[str, Any] = {
        "day": day,
        "day_form": day_form,
        "overdue_total": sum(r.count for r in by_bank),
        "groups": [
            {
                "id": "bank",
                "title": _("Per bank"),
                "bars": _overdue(by_bank, banks, _("No bank chosen")),
            },
            {
                "id": "outlet",
                "title": _("Per outlet"),
                "bars": _overdue(by_outlet, {}, _("No outlet named (online or by post)")),
            },
            {
                "id": "district",
                "title": _("Per district"),
                "bars": _overdue(by_district, districts, _("District unknown")),
            },
        ],
        "backlog": found,
        "stages": _bars(
            [(stage, str(stage_labels[stage]), n, None) for stage, n in found.by_stage.items()]
        ),
        "backlog_banks": _bars(
            [(code, banks.get(code, code), n, None) for code, n in found.by_bank]
        ),
        "in_making": sum(found.by_stage.values()),
        "pending_total": sum(r.count for r in pending),
        "pending": _bars(
            [
                (r.key, banks.get(r.key) or r.label or _("No bank chosen"), r.count, None)
                for r in pending
            ]
        ),
        "pending_oldest": min((r.oldest_applied for r in pending), default=None),
        "calendar_link": actor.role is Role.CITY_OFFICER,
    }
    return context


@actor_required(*OFFICERS)
def overdue_page(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/overdue.html", _overdue_context(request))


def _overdue_rows(context: dict[str, Any]) -> Iterator[Sequence[Cell]]:
    """One row per bar of the page, each under the title of its table."""
    for group in context["groups"]:
        for bar in group["bars"]:
            yield (str(group["title"]), bar.label, bar.key, bar.count, bar.oldest_due)
    sections = (
        (_("Cards in the making, per stage"), context["stages"]),
        (_("Cards in the making, per bank"), context["backlog_banks"]),
        (_("Due date pending the official calendar, per bank"), context["pending"]),
    )
    for title, bars in sections:
        for bar in bars:
            yield (title, bar.label, bar.key, bar.count, None)


@actor_required(*OFFICERS)
def overdue_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The overdue report as the page shows it on the day asked, as XLSX or CSV."""
    context = _overdue_context(request)
    table = ExportTable(
        title=_("Overdue cards and backlog"),
        file_stem=f"overdue-{context['day'].isoformat()}",
        columns=[
            Column(_("Table"), 36),
            *coded(_("Name"), width=30),
            Column(_("Cards"), 10),
            Column(_("Oldest due date"), 14),
        ],
        rows=_overdue_rows(context),
        filters=[(_("As on"), context["day"].isoformat())],
    )
    return export_response(request, table, fmt)


@require_http_methods(["GET", "POST"])
@actor_required(Role.CITY_OFFICER)
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The official working-day calendar: covered years, the warning, and loading a year."""
    actor = request_actor(request)
    form = CalendarUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = calendar_year_load(
                actor=actor, content=upload.read(), file_name=upload.name or ""
            )
        except ApplicationError as error:
            if error.code == "permission_denied":
                raise
            field = error.details.get("field")
            message = error_text(error)
            form.add_error("file", f"{message} ({field})" if field else message)
        else:
            if result.changed:
                messages.success(
                    request,
                    _(
                        "The %(year)s schedule is loaded (%(source)s). Due dates set: "
                        "%(applications)s applications, %(collectives)s collective "
                        "applications; still pending: %(pending)s."
                    )
                    % {
                        "year": result.year,
                        "source": result.source,
                        "applications": result.applications_due_set,
                        "collectives": result.collectives_due_set,
                        "pending": result.still_pending,
                    },
                )
            else:
                messages.info(
                    request,
                    _("The %(year)s schedule is unchanged: the same file was loaded before.")
                    % {"year": result.year},
                )
            return redirect("reports:calendar")
    status = calendar_status(actor=actor, today=today())
    return render(
        request,
        "reports/calendar.html",
        {"status": status, "form": form, "may_load": calendar_may_load(actor)},
    )

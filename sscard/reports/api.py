"""API operations of the bureau's reports (overdue cards, the backlog, the campaign's statistics
and funnel) and of the official working-day calendar (its status, and loading a year)."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from sscard.applications.services import calendar_year_load
from sscard.core.calendar import calendar_status
from sscard.core.clock import today
from sscard.core.names import Kind, names_of
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.network.choices import RelyingPartyKind
from sscard.reports.history_api import router as history_router
from sscard.reports.network import network_report, part_label, period
from sscard.reports.schemas import (
    BacklogOut,
    CalendarLoadOut,
    CalendarStatusOut,
    DuePendingRowOut,
    FiguresOut,
    FunnelStepOut,
    NetworkPartOut,
    OverdueRowOut,
    SeriesPointOut,
    StatisticsFilter,
    TrafficFilter,
    TrafficOut,
    TrafficRowOut,
)
from sscard.reports.selectors import backlog, due_pending_by, overdue_by
from sscard.reports.statistics import (
    StatScope,
    dimension_label,
    figures_on,
    funnel,
    scope_for,
    series,
)

router = Router(tags=["reports"])
# A person's and a card's history and the audit search (issue 15, point 6).
router.add_router("", history_router)
# The calendar's operations keep the tag and the operation ids they were published with (from
# the module they were first written in), so that generated clients do not change.
CALENDAR = ["calendar"]


@router.get("/reports/overdue", response={200: list[OverdueRowOut], **ERRORS})
def overdue(
    request: HttpRequest, by: Literal["bank", "outlet", "district"] = "bank"
) -> list[dict[str, Any]]:
    """Cards not made by their due date (BJ-11), per bank, outlet or district."""
    rows = overdue_by(actor=request_actor(request), today=today(), by=by)
    return [
        {"key": r.key, "label": r.label, "count": r.count, "oldest_due": r.oldest_due} for r in rows
    ]


@router.get("/reports/due-pending", response={200: list[DuePendingRowOut], **ERRORS})
def due_pending(
    request: HttpRequest, by: Literal["bank", "outlet", "district"] = "bank"
) -> list[dict[str, Any]]:
    """Applications not made yet whose due date waits for the official calendar of its year
    (never guessed; set when the bureau loads the year), per bank, outlet or district."""
    rows = due_pending_by(actor=request_actor(request), by=by)
    return [
        {"key": r.key, "label": r.label, "count": r.count, "oldest_applied": r.oldest_applied}
        for r in rows
    ]


@router.get("/reports/backlog", response={200: BacklogOut, **ERRORS})
def backlog_get(request: HttpRequest) -> dict[str, Any]:
    """Applications waiting for a batch, and cards per stage and bank until handed over."""
    found = backlog(actor=request_actor(request))
    return {
        "waiting_for_batch": found.waiting_for_batch,
        "by_stage": found.by_stage,
        "by_bank": found.by_bank,
    }


@router.get(
    "/calendar",
    response={200: CalendarStatusOut, **ERRORS},
    tags=CALENDAR,
    operation_id="sscard_reports_calendar_api_calendar_get",
)
def calendar_get(request: HttpRequest) -> dict[str, Any]:
    """Which years the working-day calendar covers (shipped or loaded, with the source), until
    when, and ``warn`` from 60 days before the covered calendar ends."""
    status = calendar_status(actor=request_actor(request), today=today())
    return {
        "today": status.today,
        "package_first": status.package_first,
        "package_last": status.package_last,
        "package_source": status.package_source,
        "loaded": list(status.loaded),
        "covered_until": status.covered_until,
        "days_left": status.days_left,
        "warn": status.warn,
        "next_year": status.next_year,
    }


@router.post(
    "/calendar/years",
    response={200: CalendarLoadOut, 201: CalendarLoadOut, 409: ErrorOut, **ERRORS},
    summary="Load a year's official holiday schedule",
    tags=CALENDAR,
    operation_id="sscard_reports_calendar_api_calendar_years_load",
)
def calendar_years_load(request: HttpRequest, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Load the State Council's holiday schedule of one year (YAML or JSON: ``year``,
    ``source``, ``holidays`` as dates or named ranges, ``working_weekends``), and set the due
    date of every application that was waiting for it. 201 when stored, 200 when the same file
    was loaded before. A bad file answers 422 with a ``schedule_*`` code and
    ``details.field``; a file marked ``example: true`` answers ``calendar_example_refused``."""
    result = calendar_year_load(
        actor=request_actor(request), content=file.read(), file_name=file.name or ""
    )
    return Status(
        201 if result.changed else 200,
        {
            "year": result.year,
            "source": result.source,
            "file_digest": result.file_digest,
            "created": result.created,
            "changed": result.changed,
            "applications_due_set": result.applications_due_set,
            "collectives_due_set": result.collectives_due_set,
            "still_pending": result.still_pending,
        },
    )


def _stat_scope(request: HttpRequest, filters: StatisticsFilter) -> StatScope:
    return scope_for(
        request_actor(request),
        district_code=filters.district,
        employer_id=filters.employer,
        group=filters.group,
    )


@router.get("/reports/statistics", response={200: FiguresOut, **ERRORS})
def statistics_get(
    request: HttpRequest, filters: Query[StatisticsFilter], day: date | None = None
) -> dict[str, Any]:
    """The campaign's figures as they stood at the end of ``day`` (default today; SH-02):
    ``cumulative`` and ``on_day`` counts of each milestone kind (``eligible``, ``invited``,
    ``applied``, ``withdrawn``, ``ordered``, ``made``, ``issued``, ``enabled``, ``old_voided``;
    ``cumulative.applied_net`` is applied minus withdrawn), and applications by channel, group,
    district, bank and employer (the top 20 and ``others``), with names. Counted from dated
    events: a past day's figures never change. A district officer sees their district, HR
    their employer (``statistics_district_not_yours``, ``statistics_employer_not_yours``)."""
    scope = _stat_scope(request, filters)
    found = figures_on(actor=request_actor(request), day=day or today(), scope=scope)
    return {
        "day": found.day,
        "scope": asdict(scope),
        "cumulative": found.cumulative,
        "on_day": found.on_day,
        "applications_by": [
            {
                "dimension": b.dimension,
                "label": dimension_label(b.dimension),
                "rows": [{"code": c, "name": n, "count": k} for c, n, k in b.rows],
            }
            for b in found.applications_by
        ],
    }


@router.get("/reports/statistics/series", response={200: list[SeriesPointOut], **ERRORS})
def statistics_series(
    request: HttpRequest,
    filters: Query[StatisticsFilter],
    starts: date,
    ends: date,
    step: Literal["day", "week"] = "day",
    kinds: Query[list[str] | None] = None,
) -> list[dict[str, Any]]:
    """Milestones of each kind per day or per week (Monday to Sunday, cut at ``starts`` and
    ``ends``), with the totals at the end of each; ``kinds`` narrows them (repeat the key).
    ``statistics_period_invalid`` for a period that ends before it starts or is too long."""
    points = series(
        actor=request_actor(request),
        starts=starts,
        ends=ends,
        step=step,
        scope=_stat_scope(request, filters),
        kinds=kinds or None,
    )
    return [asdict(p) for p in points]


@router.get("/reports/funnel", response={200: list[FunnelStepOut], **ERRORS})
def funnel_get(
    request: HttpRequest, filters: Query[StatisticsFilter], day: date | None = None
) -> list[dict[str, Any]]:
    """The funnel at the end of ``day`` (default today): eligible → notified or invited →
    applied → made → issued → enabled → old card void; persons at each step, the conversion
    from the step before, and the median days between a person's two steps."""
    steps = funnel(
        actor=request_actor(request), day=day or today(), scope=_stat_scope(request, filters)
    )
    return [asdict(s) for s in steps]


@router.get(
    "/reports/verification-traffic",
    response={200: TrafficOut, **ERRORS},
    summary="Verification traffic and live relying parties (SH-03)",
)
def verification_traffic(request: HttpRequest, filters: Query[TrafficFilter]) -> TrafficOut:
    """As the verification traffic page: verifications by party kind, district and answer
    over the period (default the 30 days to today), and each part of the network — registered,
    live in the period (verified at least once), and the floor the notice names."""
    starts, ends = period({"starts": filters.starts, "ends": filters.ends})
    report = network_report(
        actor=request_actor(request), starts=starts, ends=ends, district=filters.district or None
    )
    regions = names_of(Kind.REGION, (r.district for r in report.rows), english=False)
    kinds = dict(RelyingPartyKind.choices)
    return TrafficOut(
        starts=report.starts,
        ends=report.ends,
        total=report.total,
        rows=[
            TrafficRowOut(
                kind=r.kind,
                kind_label=str(kinds.get(r.kind, r.kind)),
                district=r.district,
                district_name=regions.get(r.district, r.district),
                answers=r.answers,
                total=r.total,
            )
            for r in report.rows
        ],
        parts=[
            NetworkPartOut(
                kind=p.kind,
                label_zh=part_label(p, english=False),
                label_en=part_label(p, english=True),
                registered=p.registered,
                live=p.live,
                at_least=p.at_least,
                quote=p.quote,
                clause=p.clause,
            )
            for p in report.parts
        ],
    )

"""API operations of the bureau's reports (overdue cards, the backlog) and of the official
working-day calendar (its status, and loading a year)."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any, Literal

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from sscard.applications.services import calendar_year_load
from sscard.core.calendar import calendar_status
from sscard.core.clock import today
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.reports.schemas import (
    BacklogOut,
    CalendarLoadOut,
    CalendarStatusOut,
    DuePendingRowOut,
    OverdueRowOut,
)
from sscard.reports.selectors import backlog, due_pending_by, overdue_by

router = Router(tags=["reports"])
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

"""API operations of the official working-day calendar: its status, and loading a year."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from sscard.applications.calendar import calendar_year_load
from sscard.core.calendar import calendar_status
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor

router = Router(tags=["calendar"])


class LoadedYearOut(Schema):
    year: int
    source: str
    example: bool
    file_name: str
    file_digest: str
    loaded_by: str
    loaded_at: datetime
    replaces_package: bool


class CalendarStatusOut(Schema):
    today: date
    package_first: int
    package_last: int
    package_source: str
    loaded: list[LoadedYearOut]
    covered_until: date | None
    days_left: int | None
    warn: bool
    next_year: int


@router.get("/calendar", response={200: CalendarStatusOut, **ERRORS})
def calendar_get(request: HttpRequest) -> dict[str, Any]:
    """Which years the working-day calendar covers (shipped or loaded, with the source), until
    when, and ``warn`` from 60 days before the covered calendar ends."""
    status = calendar_status(actor=request_actor(request), today=timezone.localdate())
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


class CalendarLoadOut(Schema):
    year: int
    source: str
    file_digest: str
    created: bool
    changed: bool
    applications_due_set: int
    collectives_due_set: int
    still_pending: int


@router.post(
    "/calendar/years",
    response={200: CalendarLoadOut, 201: CalendarLoadOut, 409: ErrorOut, **ERRORS},
    summary="Load a year's official holiday schedule",
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

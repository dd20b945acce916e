"""The official working-day calendar in force: the package's years plus the bureau's loaded years.

Every due date (BJ-11) is counted on :func:`work_calendar`. A year the State Council has not yet
published is never guessed: the engine answers ``calendar_not_covered`` and the application
keeps an empty due date until the bureau loads that year (``calendar_year_load``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final

from sscard.core.actors import Actor, Role
from sscard.core.errors import PermissionDenied
from sscard.core.models import CalendarYear
from sscard.kernel.workdays import WorkCalendar, YearSchedule

__all__ = [
    "CALENDAR_PENDING_REASON",
    "CALENDAR_WARN_DAYS",
    "CalendarErrorCode",
    "CalendarStatus",
    "LoadedYear",
    "calendar_status",
    "schedule_of",
    "work_calendar",
]

#: The engine's reason code for an allowed request whose due date falls in (or would be counted
#: through) a year without an official schedule: the due date is pending (待官方日历公布后确定).
CALENDAR_PENDING_REASON: Final = "calendar_not_covered"
#: Warn this many days before the covered calendar ends.
CALENDAR_WARN_DAYS: Final = 60

CALENDAR_READERS: Final = frozenset({Role.CITY_OFFICER, Role.SYSTEM})


class CalendarErrorCode(StrEnum):
    """The stable codes a calendar load answers with (the file's from the kernel)."""

    FILE_UNREADABLE = "schedule_file_unreadable"
    INVALID = "schedule_invalid"
    YEAR_INVALID = "schedule_year_invalid"
    SOURCE_MISSING = "schedule_source_missing"
    DATE_INVALID = "schedule_date_invalid"
    DATE_OUTSIDE_YEAR = "schedule_date_outside_year"
    HOLIDAY_NAME_UNKNOWN = "schedule_holiday_name_unknown"
    HOLIDAY_RANGE_INVALID = "schedule_holiday_range_invalid"
    WORKING_WEEKEND_NOT_WEEKEND = "schedule_working_weekend_not_weekend"
    OVERLAP = "schedule_overlap"
    CONFLICT = "schedule_conflict"
    EXAMPLE_REFUSED = "calendar_example_refused"
    LOAD_CONCURRENT = "calendar_load_concurrent"
    FILE_REQUIRED = "calendar_file_required"
    PERMISSION_DENIED = "permission_denied"


def schedule_of(row: CalendarYear) -> YearSchedule:
    """The kernel's year schedule of a stored row."""
    return YearSchedule(
        year=row.year,
        holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
        working_weekends=frozenset(date.fromisoformat(d) for d in row.working_weekends),
        source=row.source,
    )


# The calendar of the loaded rows, keyed by (year, digest) of every row: a load in any process
# changes the key, so the next call rebuilds (one tiny query per call, correctness first).
_cache_lock = threading.Lock()
_cached: dict[tuple[tuple[int, str], ...], WorkCalendar] = {}


def work_calendar() -> WorkCalendar:
    """The calendar due dates are counted on: the package's years, and every loaded year
    (which replaces the package's schedule of the same year)."""
    key = tuple(CalendarYear.objects.order_by("year").values_list("year", "file_digest"))
    if not key:
        return WorkCalendar.default()
    with _cache_lock:
        found = _cached.get(key)
    if found is not None:
        return found
    rows = CalendarYear.objects.order_by("year")
    calendar = WorkCalendar.default().with_schedules(*(schedule_of(row) for row in rows))
    with _cache_lock:
        _cached.clear()
        _cached[key] = calendar
    return calendar


@dataclass(frozen=True, slots=True)
class LoadedYear:
    """A year the bureau loaded, for the status table."""

    year: int
    source: str
    example: bool
    file_name: str
    file_digest: str
    loaded_by: str
    loaded_at: datetime
    replaces_package: bool


@dataclass(frozen=True, slots=True)
class CalendarStatus:
    """Which years are covered, from where, and whether the end of coverage is near."""

    today: date
    package_first: int
    package_last: int
    package_source: str
    loaded: tuple[LoadedYear, ...]
    covered_until: date | None
    warn: bool

    @property
    def days_left(self) -> int | None:
        """Days from today to the last covered day (None: today itself is not covered)."""
        return (self.covered_until - self.today).days if self.covered_until else None

    @property
    def warn_from(self) -> date | None:
        return (
            self.covered_until - timedelta(days=CALENDAR_WARN_DAYS) if self.covered_until else None
        )

    @property
    def next_year(self) -> int:
        """The first year after today's covered run: the one to load next."""
        return self.covered_until.year + 1 if self.covered_until else self.today.year


def calendar_status(*, actor: Actor, today: date) -> CalendarStatus:
    """Covered years (package and loaded), the end of today's covered run, and the warning that
    shows from :data:`CALENDAR_WARN_DAYS` days before it."""
    if actor.role not in CALENDAR_READERS:
        raise PermissionDenied("see the official calendar", "查看官方工作日历")
    package = WorkCalendar.default()
    first, last = min(package.years), max(package.years)
    package_source = package.schedules[last].source
    loaded = tuple(
        LoadedYear(
            year=row.year,
            source=row.source,
            example=row.example,
            file_name=row.file_name,
            file_digest=row.file_digest,
            loaded_by=row.loaded_by,
            loaded_at=row.loaded_at,
            replaces_package=row.year in package.years,
        )
        for row in CalendarYear.objects.order_by("year")
    )
    until = work_calendar().covered_until(today)
    warn = until is None or (until - today).days <= CALENDAR_WARN_DAYS
    return CalendarStatus(
        today=today,
        package_first=first,
        package_last=last,
        package_source=package_source,
        loaded=loaded,
        covered_until=until,
        warn=warn,
    )

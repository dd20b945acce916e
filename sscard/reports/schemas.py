"""API output of the bureau's reports and of the official working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class OverdueRowOut(Schema):
    key: str
    label: str
    count: int
    oldest_due: date


class DuePendingRowOut(Schema):
    key: str
    label: str
    count: int
    oldest_applied: date


class BacklogOut(Schema):
    waiting_for_batch: int
    by_stage: dict[str, int]
    by_bank: list[tuple[str, int]]


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


class CalendarLoadOut(Schema):
    year: int
    source: str
    file_digest: str
    created: bool
    changed: bool
    applications_due_set: int
    collectives_due_set: int
    still_pending: int

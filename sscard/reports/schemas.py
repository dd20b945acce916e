"""API output of the bureau's reports and of the official working-day calendar."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


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


class StatisticsFilter(Schema):
    """What the figures are narrowed to (a district officer's district and an HR's employer are
    theirs whatever is asked; asking for another is refused)."""

    district: str | None = None
    employer: int | None = None
    group: str | None = None


class StatScopeOut(Schema):
    district_code: str | None
    employer_id: int | None
    group: str | None


class BreakdownRowOut(Schema):
    code: str
    name: str
    count: int


class BreakdownOut(Schema):
    dimension: str
    label: str
    rows: list[BreakdownRowOut]


class FiguresOut(Schema):
    day: date
    scope: StatScopeOut
    cumulative: dict[str, int]
    on_day: dict[str, int]
    applications_by: list[BreakdownOut]


class SeriesPointOut(Schema):
    starts: date
    ends: date
    counts: dict[str, int]
    totals: dict[str, int]


class FunnelStepOut(Schema):
    kind: str
    label: str
    count: int
    conversion: float | None
    median_days: float | None


class TrafficFilter(Schema):
    starts: date | None = Field(None, description="First day (default: 30 days to ``ends``)")
    ends: date | None = Field(None, description="Last day (default: today)")
    district: str | None = Field(None, description="A district's code")


class TrafficRowOut(Schema):
    kind: str
    kind_label: str
    district: str
    district_name: str
    answers: dict[str, int]
    total: int


class NetworkPartOut(Schema):
    kind: str
    label_zh: str
    label_en: str
    registered: int
    live: int | None = Field(description="Parties that verified at least once (null: outlets)")
    at_least: int | None = Field(description="The floor the notice names (SH-03), if it does")
    quote: str
    clause: str


class TrafficOut(Schema):
    starts: date
    ends: date
    total: int
    rows: list[TrafficRowOut]
    parts: list[NetworkPartOut]

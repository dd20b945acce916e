"""Milestones (里程碑): the dated events the bureau's statistics count (issue 13).

Every service that does one of the things the statistics count — a person found eligible or
invited, an application submitted or withdrawn, a card ordered, made, issued or enabled, an old
card void — writes one :class:`~sscard.core.models.Milestone` per event here, inside the
transaction of the event itself: the event and its milestone land together or not at all.
Milestones are never updated or deleted, so a figure "as it stood at the end of day D" (a count
of the rows with ``day <= D``) never changes when later work happens.

A milestone is dated with the day the service was given (the application's day, the batch's,
the enabling's), else the bureau's today (:func:`sscard.core.clock.today`): the day the
platform learnt of the event. An event reported late (a delivery the post reports the next
morning) counts on the day it was recorded, for the same reason.

``eligible`` and ``invited`` are written once per person and campaign (a partial unique index
holds it); writing them again changes nothing. The other kinds count events: a person who
applies, withdraws and applies again has two ``applied`` milestones and one ``withdrawn``.

Core knows no persons or cards: the apps build the rows (``applications.milestones``,
``cards.milestones``) and this module writes them, set-based for the bulk paths (``COPY`` on
PostgreSQL, ``executemany`` on SQLite).

Reading millions of milestones for every figure would not do: :func:`milestone_counts` sums
the tallies (``MilestoneTally``: counts by day, kind, district, channel, group and bank, added
by :func:`milestone_tallies_refresh` for the milestones written since the last refresh) and
counts only the milestones newer than the tallies' mark directly. The funnel counts persons
by the ``first`` flag and takes its medians from ``gap_days`` (both set when a milestone is
written, :data:`FUNNEL`), tallied the same way (``MilestoneGapTally``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date, datetime, timedelta
from itertools import islice
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    Field,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone

from sscard.core.bulk import BulkWriter
from sscard.core.models import (
    Milestone,
    MilestoneGapTally,
    MilestoneKind,
    MilestoneTally,
    MilestoneTallyMark,
)
from sscard.kernel.regions import city_of

__all__ = [
    "FUNNEL",
    "ONCE_PER_CAMPAIGN",
    "PREVIOUS_STEP",
    "DaysBetween",
    "MilestoneRow",
    "milestone_column",
    "milestone_counts",
    "milestone_district",
    "milestone_filter",
    "milestone_flags_fill",
    "milestone_gaps",
    "milestone_record",
    "milestone_record_many",
    "milestone_tallies_refresh",
    "milestone_tallies_refresh_if_due",
    "milestones_by_day",
    "week_start",
]

#: Kinds written once per person and campaign (the index ``milestone_once_per_campaign``).
ONCE_PER_CAMPAIGN = frozenset({MilestoneKind.ELIGIBLE, MilestoneKind.INVITED})
#: The steps of the funnel (issue 13 point 3), in order; each step's ``gap_days`` counts from
#: the person's first milestone of the step before.
FUNNEL: tuple[str, ...] = (
    MilestoneKind.ELIGIBLE.value,
    MilestoneKind.INVITED.value,
    MilestoneKind.APPLIED.value,
    MilestoneKind.MADE.value,
    MilestoneKind.ISSUED.value,
    MilestoneKind.ENABLED.value,
    MilestoneKind.OLD_VOIDED.value,
)
PREVIOUS_STEP: dict[str, str] = {FUNNEL[i]: FUNNEL[i - 1] for i in range(1, len(FUNNEL))}
_CHUNK = 20_000
#: Milestones newer than the tallies' mark beyond which a read refreshes the tallies first.
REFRESH_ROWS = 50_000


class DaysBetween(Func):
    """Whole days from the first date expression to the second, in SQL (both databases)."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        (start, start_params), (end, end_params) = (
            compiler.compile(e) for e in self.get_source_expressions()
        )
        params = [*end_params, *start_params]  # in the order they appear below
        if connection.vendor == "postgresql":
            return f"(({end})::date - ({start})::date)", params
        return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)", params


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    """One milestone to write, as :func:`milestone_record` takes it."""

    kind: str
    day: date
    city_code: str
    at: datetime | None = None
    district_code: str = ""
    channel: str = ""
    group: str = ""
    bank_code: str = ""
    employer_id: int | None = None
    outlet_id: int | None = None
    person_id: int | None = None
    application_id: int | None = None
    card_id: int | None = None
    campaign_id: int | None = None


def milestone_column(name: str) -> str:
    """The database column of a milestone's field (``group`` is a word of SQL: its column is
    ``group_code``)."""
    field = Milestone._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


_COLUMNS = tuple(f.name for f in fields(MilestoneRow))
_ALL = (*_COLUMNS, "first", "gap_days")
_DB_COLUMNS = tuple(milestone_column(name) for name in _ALL)


def milestone_district(insured_region: str | None, hukou_region: str | None) -> str:
    """The district a person counts in: where they are insured, else where they are registered
    (户籍) — the rule ``core.scope.person_in_city`` and the district officers' scope apply."""
    return (insured_region or hukou_region or "")[:6]


def _in_transaction_or_fail() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a milestone is written inside the transaction of its event")


def milestone_record(
    kind: str,
    *,
    day: date,
    at: datetime | None = None,
    city_code: str,
    district_code: str = "",
    channel: str = "",
    group: str = "",
    bank_code: str = "",
    employer_id: int | None = None,
    outlet_id: int | None = None,
    person_id: int | None = None,
    application_id: int | None = None,
    card_id: int | None = None,
    campaign_id: int | None = None,
) -> int:
    """Write one milestone in the caller's transaction; answer how many were written (0 for an
    ``eligible`` or ``invited`` one the person already has in that campaign)."""
    return milestone_record_many(
        [
            MilestoneRow(
                kind=kind,
                day=day,
                at=at,
                city_code=city_code,
                district_code=district_code,
                channel=channel,
                group=group,
                bank_code=bank_code,
                employer_id=employer_id,
                outlet_id=outlet_id,
                person_id=person_id,
                application_id=application_id,
                card_id=card_id,
                campaign_id=campaign_id,
            )
        ]
    )


def _chunks(rows: Iterable[MilestoneRow], size: int) -> Iterable[list[MilestoneRow]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def milestone_record_many(rows: Iterable[MilestoneRow]) -> int:
    """Write milestones in bulk, in the caller's transaction; answer how many were written.

    Rows of the once-per-campaign kinds that are there already are skipped (``ON CONFLICT DO
    NOTHING``); every other row is written with ``COPY`` (PostgreSQL) or ``executemany``.
    """
    _in_transaction_or_fail()
    written = 0
    now = timezone.now()
    writer: BulkWriter | None = None
    for chunk in _chunks(rows, _CHUNK):
        for row in chunk:
            if row.kind not in MilestoneKind.values:
                raise ValueError(f"unknown milestone kind {row.kind!r}")
        flags = _flags(chunk)
        once = [(r, f) for r, f in zip(chunk, flags, strict=True) if r.kind in ONCE_PER_CAMPAIGN]
        events = [
            (r, f) for r, f in zip(chunk, flags, strict=True) if r.kind not in ONCE_PER_CAMPAIGN
        ]
        if once:
            before = _count_once([r for r, _f in once])
            Milestone.objects.bulk_create(
                [Milestone(**_values(r, f, now)) for r, f in once],
                batch_size=2_000,
                ignore_conflicts=True,
            )
            written += _count_once([r for r, _f in once]) - before
        if events:
            writer = writer or BulkWriter()
            writer.insert(
                Milestone._meta.db_table,
                _DB_COLUMNS,
                [_raw(writer, r, f, now) for r, f in events],
            )
            written += len(events)
    return written


def _flags(rows: Sequence[MilestoneRow]) -> list[tuple[bool, int | None]]:
    """``(first, gap_days)`` of each row: whether it is its person's first milestone of its
    kind, and the days since the person's first milestone of the funnel's step before (one
    query per 5,000 persons, the rows before it in the batch counted too)."""
    persons = sorted({r.person_id for r in rows if r.person_id is not None})
    kinds = {r.kind for r in rows}
    wanted = kinds | {PREVIOUS_STEP[k] for k in kinds if k in PREVIOUS_STEP}
    known: dict[tuple[int, str], date] = {}
    for start in range(0, len(persons), 5_000):
        found = (
            Milestone.objects.filter(person_id__in=persons[start : start + 5_000], kind__in=wanted)
            .order_by()
            .values_list("person_id", "kind")
            .annotate(d=Min("day"))
        )
        known.update({(person, kind): day for person, kind, day in found})
    flags: list[tuple[bool, int | None]] = []
    for row in rows:
        if row.person_id is None:
            flags.append((False, None))
            continue
        key = (row.person_id, row.kind)
        if key in known:
            flags.append((False, None))
            continue
        known[key] = row.day
        previous = PREVIOUS_STEP.get(row.kind)
        before = known.get((row.person_id, previous)) if previous else None
        flags.append((True, (row.day - before).days if before is not None else None))
    return flags


def _values(row: MilestoneRow, flags: tuple[bool, int | None], now: datetime) -> dict[str, object]:
    values = dict(zip(_COLUMNS, astuple(row), strict=True))
    values["at"] = row.at or now
    values["first"], values["gap_days"] = flags
    return values


def _raw(
    writer: BulkWriter, row: MilestoneRow, flags: tuple[bool, int | None], now: datetime
) -> tuple[object, ...]:
    values = _values(row, flags, now)
    values["day"] = writer.date(row.day)
    values["at"] = writer.timestamp(row.at or now)
    values["first"] = writer.true if flags[0] else writer.false
    return tuple(values[name] for name in _ALL)


def _count_once(rows: Sequence[MilestoneRow]) -> int:
    """How many of the persons' once-per-campaign milestones are written (to tell what an
    ``ON CONFLICT DO NOTHING`` skipped: ``bulk_create`` does not say)."""
    keys = {(r.campaign_id, r.kind) for r in rows}
    total = 0
    for campaign_id, kind in keys:
        persons = [r.person_id for r in rows if r.campaign_id == campaign_id and r.kind == kind]
        for start in range(0, len(persons), 5_000):
            total += Milestone.objects.filter(
                campaign_id=campaign_id, kind=kind, person_id__in=persons[start : start + 5_000]
            ).count()
    return total


# --------------------------------------------------------------------------------------------
# Reads shared by the statistics (reports) and the campaign page (campaigns): both sit above
# core, and the campaign page may not import the reports.
# --------------------------------------------------------------------------------------------


def milestone_filter(
    *,
    city_code: str | None = None,
    district_code: str | None = None,
    employer_id: int | None = None,
    group: str | None = None,
) -> Q:
    """The milestones of a city, narrowed to a district, an employer and a group (each
    optional). The caller has settled what its actor may see (``reports.statistics.scope_for``)."""
    q = Q()
    if city_code is None and district_code:
        city_code = city_of(district_code) or None
    if city_code:
        q &= Q(city_code=city_code)
    if district_code:
        q &= Q(district_code=district_code)
    if employer_id is not None:
        q &= Q(employer_id=employer_id)
    if group:
        q &= Q(group=group)
    return q


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday, as the bureau's do)."""
    return day - timedelta(days=day.weekday())


def milestones_by_day(
    *, where: Q, starts: date, ends: date, kinds: Iterable[str] | None = None
) -> dict[tuple[str, date], int]:
    """How many milestones of each kind each day from ``starts`` to ``ends`` (both included)
    holds (``(kind, day) -> count``, days without any left out): from the tallies where
    ``where`` allows, see :func:`milestone_counts`."""
    milestone_tallies_refresh_if_due()
    q = where & Q(day__gte=starts, day__lte=ends)
    if kinds is not None:
        q &= Q(kind__in=list(kinds))
    return {
        (kind, day): n for (kind, day), n in milestone_counts(where=q, by=("kind", "day")).items()
    }


# --------------------------------------------------------------------------------------------
# Tallies
# --------------------------------------------------------------------------------------------

#: The fields a tally keeps: a filter on any other (an employer) reads the milestones.
_TALLY_FIELDS = frozenset(
    {"city_code", "day", "kind", "district_code", "channel", "group", "bank_code", "first"}
)
_GAP_FIELDS = frozenset({"city_code", "day", "kind", "district_code", "group"})


def _fields_of(q: Q) -> set[str]:
    """The model fields a ``Q`` filters on."""
    found: set[str] = set()
    for child in q.children:
        if isinstance(child, Q):
            found |= _fields_of(child)
        else:
            lookup, _value = child  # type: ignore[misc]
            found.add(str(lookup).split("__")[0])
    return found


def _mark() -> int:
    found = MilestoneTallyMark.objects.filter(pk=1).values_list("last_id", flat=True).first()
    return int(found or 0)


def milestone_tallies_refresh_if_due() -> int:
    """Refresh the tallies when more than :data:`REFRESH_ROWS` milestones are newer than their
    mark (a read calls it first; never inside a transaction, whose locks it would keep)."""
    if transaction.get_connection().in_atomic_block:
        return 0
    if not Milestone.objects.filter(pk__gt=_mark() + REFRESH_ROWS).exists():
        return 0
    return milestone_tallies_refresh()


def _committed_top() -> int | None:
    """The id up to which every milestone is committed (None when that cannot be told now).

    On PostgreSQL a transaction still writing may hold lower ids than one already committed:
    a SHARE lock waits for the writers in progress (two seconds at most) before the highest id
    is read, and is let go at once. SQLite has one writer, whose rows come after the rest."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                try:
                    with transaction.atomic():
                        cursor.execute(
                            f"LOCK TABLE {connection.ops.quote_name(Milestone._meta.db_table)}"
                            " IN SHARE MODE"
                        )
                except OperationalError:
                    return None
        top = Milestone.objects.aggregate(top=Max("id"))["top"]
    return int(top or 0)


def milestone_tallies_refresh() -> int:
    """Add to the tallies the counts of the milestones written since their mark; answer how
    many milestones that was. Append-only, one refresh at a time (the mark's row is locked),
    a set-based ``INSERT … SELECT … GROUP BY`` per tally."""
    top = _committed_top()
    if top is None:
        return 0
    with transaction.atomic():
        MilestoneTallyMark.objects.get_or_create(pk=1)
        mark = MilestoneTallyMark.objects.select_for_update().get(pk=1)
        if top <= mark.last_id:
            return 0
        fresh = Milestone.objects.filter(pk__gt=mark.last_id, pk__lte=top).order_by()
        counted = fresh.count()
        keys = (
            "city_code",
            "day",
            "kind",
            "district_code",
            "channel",
            "group",
            "bank_code",
            "first",
        )
        _insert_select(
            MilestoneTally, (*keys, "n"), fresh.values_list(*keys).annotate(n=Count("*"))
        )
        gap_keys = ("city_code", "day", "kind", "district_code", "group", "gap_days")
        gaps = fresh.filter(first=True, gap_days__isnull=False).values_list(*gap_keys)
        _insert_select(MilestoneGapTally, (*gap_keys, "n"), gaps.annotate(n=Count("*")))
        mark.last_id = top
        mark.refreshed_at = timezone.now()
        mark.save(update_fields=["last_id", "refreshed_at"])
    return counted


def _insert_select(model: Any, names: Sequence[str], select: Any) -> None:
    sql, params = select.query.sql_with_params()
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


def milestone_counts(*, where: Q, by: Sequence[str]) -> dict[tuple[Any, ...], int]:
    """How many milestones match ``where``, by the fields ``by`` (``(values…) -> count``;
    ``by=()`` gives ``{(): count}``).

    Where ``where`` and ``by`` stay within what the tallies keep, the tallies are summed and
    only the milestones newer than their mark are counted directly; otherwise (an employer)
    the milestones are counted, through their indexes."""
    fields_used = _fields_of(where) | set(by)
    found: dict[tuple[Any, ...], int] = {}
    if fields_used <= _TALLY_FIELDS:
        mark = _mark()
        parts = [
            _grouped(MilestoneTally.objects.filter(where), by, Sum("n")),
            _grouped(Milestone.objects.filter(where, pk__gt=mark), by, Count("*")),
        ]
    else:
        parts = [_grouped(Milestone.objects.filter(where), by, Count("*"))]
    for part in parts:
        for key, n in part:
            found[key] = found.get(key, 0) + int(n or 0)
    return found


def _grouped(found: Any, by: Sequence[str], total: Any) -> list[tuple[tuple[Any, ...], int]]:
    found = found.order_by()
    if not by:
        return [((), found.aggregate(n=total)["n"] or 0)]
    return [(tuple(row[:-1]), row[-1]) for row in found.values_list(*by).annotate(n=total)]


def milestone_gaps(*, where: Q) -> dict[int, int]:
    """How many persons took how many days from their first milestone of the step before to
    their first matching ``where`` (``gap_days -> persons``): the funnel's medians are read
    from this histogram, counted in the database."""
    if _fields_of(where) <= _GAP_FIELDS:
        parts = [
            _grouped(MilestoneGapTally.objects.filter(where), ("gap_days",), Sum("n")),
            _grouped(
                Milestone.objects.filter(where, first=True, gap_days__isnull=False, pk__gt=_mark()),
                ("gap_days",),
                Count("*"),
            ),
        ]
    else:
        parts = [
            _grouped(
                Milestone.objects.filter(where, first=True, gap_days__isnull=False),
                ("gap_days",),
                Count("*"),
            )
        ]
    found: dict[int, int] = {}
    for part in parts:
        for (gap,), n in part:
            found[int(gap)] = found.get(int(gap), 0) + int(n)
    return found


def milestone_flags_fill(*, model: Any = Milestone, using: str = "default") -> None:
    """Set ``first`` and ``gap_days`` of every milestone from the others, set-based: for
    milestones written without them (the backfill of the history; ``model`` may be a
    migration's historical model). Each person's earliest milestone of a kind (by day, then
    id) is their first; a first one of a funnel step counts its days from the person's first
    milestone of the step before."""
    objects = model.objects.using(using)
    earliest = (
        objects.filter(person_id=OuterRef("person_id"), kind=OuterRef("kind"))
        .order_by("day", "pk")
        .values("pk")[:1]
    )
    objects.filter(person_id__isnull=True).update(first=False, gap_days=None)
    objects.filter(person_id__isnull=False).update(
        first=ExpressionWrapper(Q(pk=Subquery(earliest)), output_field=BooleanField()),
        gap_days=None,
    )
    for kind, previous in PREVIOUS_STEP.items():
        since = (
            objects.filter(person_id=OuterRef("person_id"), kind=previous)
            .order_by()
            .values("person_id")
            .annotate(d=Min("day"))
            .values("d")
        )
        objects.filter(first=True, kind=kind).update(
            gap_days=DaysBetween(Subquery(since), F("day"))
        )

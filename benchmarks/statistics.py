"""The bureau's campaign statistics (SH-02) over a city's milestones, beside the bare SQL floor.

    uv run python -m benchmarks.statistics --persons 1000000

Set-up (timed and printed, not the measured figure): a synthetic Beijing population imported
into a fresh PostgreSQL database with the real importers, the Beijing pack put in force, then
about 180 campaign days of milestones for its persons written day by day with the platform's
own bulk writer (``milestone_record_many``): every person of the city eligible, most invited,
most of those applying by the channels the statistics know (bank outlet, community centre,
online, employer batch, parent), a few withdrawing (half of them applying again), and cards
ordered, made, issued, enabled and the old ones voided, each step later than the one before.
A fixed seed makes every run write the same milestones. The tallies are refreshed once
(``milestone_tallies_refresh``), as the pages would have them.

Measured, each several times (the median is reported): ``figures_on`` for a city officer, a
district officer and one large employer's scope on the campaign's last day; ``series`` daily
over 30 days and weekly over 12 weeks; ``funnel`` for the city on the last day. The baseline
is the bare SQL of the same answer on the milestones table through a raw cursor, in the same
run; every answer of ours is checked against it, so a fast wrong answer fails the run.
"""

from __future__ import annotations

import argparse
import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from statistics import median
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from benchmarks._common import Timer, fresh_database, population

CITY = "110000"
#: The campaign's first day (a Monday, early in BJ-14's city-wide waves) and its length.
START = date(2024, 6, 3)
DAYS = 180
LAST = START + timedelta(days=DAYS - 1)
SEED = 20240603
#: Milestone kinds in the order a person reaches them (a day's rows are written in it).
KINDS = (
    "eligible",
    "invited",
    "applied",
    "withdrawn",
    "ordered",
    "made",
    "issued",
    "enabled",
    "old_voided",
)
ONCE = frozenset({"eligible", "invited"})
#: The card's steps after an application: (kind, chance of reaching it, fewest, most days).
CARD_STEPS = (
    ("ordered", 0.93, 1, 7),
    ("made", 0.97, 3, 14),
    ("issued", 0.95, 1, 14),
    ("enabled", 0.90, 0, 10),
    ("old_voided", 0.88, 0, 5),
)
#: How each category applies (channel -> weight): staff mostly through their employer's batch,
#: children through a parent, retirees at the counters.
CHANNELS: dict[str, dict[str, int]] = {
    "in_service_staff": {
        "collective_online": 55,
        "collective_offline": 15,
        "online": 15,
        "bank_outlet": 15,
    },
    "flexible_worker": {"online": 50, "bank_outlet": 35, "community_centre": 15},
    "retiree": {"community_centre": 45, "bank_outlet": 45, "online": 10},
    "pupil": {"parent_online": 80, "community_centre": 20},
    "preschool_child": {"parent_online": 85, "community_centre": 15},
    "other": {"online": 40, "bank_outlet": 40, "community_centre": 20},
}
BATCH = frozenset({"collective_online", "collective_offline"})
PILOT_DISTRICTS = frozenset({"110102", "110107", "110116"})
BANKS = (
    "ICBC", "ABC", "BOC", "CCB", "BOCOM", "BOB", "HXB",
    "BRCB", "CITIC", "CEB", "CMBC", "CMB", "SPDB", "PSBC",
)  # fmt: skip
#: The columns a figure is broken down by (``reports.statistics.DIMENSIONS``, in order).
DIMENSION_COLUMNS = {
    "channel": "channel",
    "group": "group",
    "district": "district_code",
    "bank": "bank_code",
    "employer": "employer_id",
}

T = TypeVar("T")


# --------------------------------------------------------------------------------------------
# Set-up: the population and its milestones
# --------------------------------------------------------------------------------------------


@dataclass
class People:
    """The city's persons as their milestones describe them, one list entry per person."""

    pks: array[int]
    districts: list[str]
    groups: list[str]
    channels: list[str]
    banks: list[str]
    employers: list[int | None]


def _group(category: str, employer_district: str | None) -> str:
    """The Beijing pack's group of a person (``beijing-2024.yaml``), from the same facts."""
    if category == "in_service_staff" and employer_district:
        return "pilot_staff" if employer_district in PILOT_DISTRICTS else "staff_citywide"
    if category in ("flexible_worker", "retiree"):
        return "flexible_and_retirees"
    if category in ("pupil", "preschool_child"):
        return "pupils_and_children"
    return ""


def _people(rng: random.Random) -> People:
    """Read the imported persons of the city (insured, else registered, there) with what their
    milestones carry: district, group, the channel they apply by, bank, employer."""
    from sscard.core.milestones import milestone_district
    from sscard.registry.models import Employer, Person

    employers = {
        pk: (district, list(banks or []))
        for pk, district, banks in Employer.objects.values_list(
            "pk", "insured_district", "payroll_banks"
        )
    }
    people = People(array("q"), [], [], [], [], [])
    found = Person.objects.order_by("pk").values_list(
        "pk", "category", "insured_region", "hukou_region", "employer_id", "pension_bank"
    )
    for pk, category, insured, hukou, employer, pension_bank in found.iterator(chunk_size=20_000):
        district = milestone_district(insured, hukou)
        if not district.startswith(CITY[:2]):
            continue  # not the city's: neither eligible nor counted in its figures
        unit_district, payroll = employers.get(employer, (None, [])) if employer else (None, [])
        weights = CHANNELS.get(category, CHANNELS["other"])
        channel = rng.choices(list(weights), weights=list(weights.values()))[0]
        if channel in BATCH and employer is None:
            channel = "online"
        bank = pension_bank or (payroll[0] if payroll else "") or rng.choice(BANKS)
        people.pks.append(pk)
        people.districts.append(district)
        people.groups.append(_group(category, unit_district))
        people.channels.append(channel)
        people.banks.append(bank)
        people.employers.append(employer)
    return people


def _plan(rng: random.Random) -> list[tuple[int, str]]:
    """One person's milestones as (campaign day, kind), each step on or after the one before:
    eligible in the first week, most invited within three months, most of them applying
    some weeks later (some without an invitation), a few withdrawing, then the card's way."""
    eligible = rng.randint(0, 6)
    events = [(eligible, "eligible")]
    invited: int | None = None
    if rng.random() < 0.70:
        invited = eligible + int(rng.triangular(0, 90, 20))
        events.append((invited, "invited"))
    if rng.random() >= (0.85 if invited is not None else 0.45):
        return [e for e in events if e[0] < DAYS]
    applied = (invited if invited is not None else eligible) + int(rng.expovariate(1 / 18))
    events.append((applied, "applied"))
    if rng.random() < 0.05:
        withdrawn = applied + rng.randint(0, 10)
        events.append((withdrawn, "withdrawn"))
        if rng.random() < 0.5:
            return [e for e in events if e[0] < DAYS]
        applied = withdrawn + rng.randint(1, 20)
        events.append((applied, "applied"))
    day = applied
    for kind, chance, fewest, most in CARD_STEPS:
        if rng.random() >= chance:
            break
        day += rng.randint(fewest, most)
        events.append((day, kind))
    return [e for e in events if e[0] < DAYS]


def _schedule(people: People, rng: random.Random) -> list[list[array[int]]]:
    """Every person's plan, bucketed by day and kind (indexes into ``people``): written day by
    day, in the order of the kinds, as the services would have written them."""
    buckets = [[array("i") for _kind in KINDS] for _day in range(DAYS)]
    index = {kind: i for i, kind in enumerate(KINDS)}
    for person in range(len(people.pks)):
        for day, kind in _plan(rng):
            buckets[day][index[kind]].append(person)
    return buckets


def _rows(people: People, day: int, bucket: list[array[int]], campaign_id: int) -> Iterator[Any]:
    """The milestones of one campaign day, as ``milestone_record_many`` takes them."""
    from sscard.core.milestones import MilestoneRow

    on = START + timedelta(days=day)
    at = datetime.combine(on, time(10), tzinfo=ZoneInfo("Asia/Shanghai"))
    for kind, persons in zip(KINDS, bucket, strict=True):
        for i in persons:
            channel = people.channels[i]
            before_applying = kind in ONCE
            if before_applying:
                # an employer's staff are invited through its batch; eligibility has no channel
                channel = channel if kind == "invited" and channel in BATCH else ""
            yield MilestoneRow(
                kind=kind,
                day=on,
                at=at,
                city_code=CITY,
                district_code=people.districts[i],
                channel=channel,
                group=people.groups[i],
                bank_code="" if before_applying else people.banks[i],
                employer_id=people.employers[i],
                person_id=people.pks[i],
                campaign_id=campaign_id if before_applying else None,
            )


def _import(folder: Path) -> None:
    from sscard.core.actors import Actor
    from sscard.network.services import banks_load
    from sscard.registry.imports import import_employers, import_persons, import_schools
    from sscard.registry.services import divisions_load

    actor = Actor.system("benchmark")
    divisions_load(actor=actor)
    banks_load(actor=actor)
    for name, importer in (
        ("employers", import_employers),
        ("schools", import_schools),
        ("persons", import_persons),
    ):
        importer(actor=actor, path=folder / f"{name}.csv", file_name=name)


def _milestones(people: People, rng: random.Random) -> int:
    """Write the campaign's milestones, one transaction per day; answer how many."""
    from django.db import transaction

    from sscard.campaigns.services import campaign_put_in_force
    from sscard.core.actors import Actor
    from sscard.core.milestones import milestone_record_many
    from sscard.policy import builtin_pack

    campaign = campaign_put_in_force(
        actor=Actor.system("benchmark"), pack=builtin_pack("beijing-2024")
    )
    buckets = _schedule(people, rng)
    planned = sum(len(persons) for bucket in buckets for persons in bucket)
    written = 0
    for day, bucket in enumerate(buckets):
        with transaction.atomic():
            written += milestone_record_many(_rows(people, day, bucket, campaign.pk))
    assert written == planned, (written, planned)
    return written


# --------------------------------------------------------------------------------------------
# The baseline: bare SQL on the milestones table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """A scope as a bare SQL condition on the milestones table."""

    sql: str
    params: tuple[Any, ...]


def _where(*, district: str | None = None, employer: int | None = None) -> Where:
    sql: list[str] = ["city_code = %s"]
    params: list[Any] = [CITY]
    if district is not None:
        sql.append("district_code = %s")
        params.append(district)
    if employer is not None:
        sql.append("employer_id = %s")
        params.append(employer)
    return Where(" AND ".join(sql), tuple(params))


def _query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    from sscard.core.models import Milestone

    table = connection.ops.quote_name(Milestone._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{t}", table), params)
        return list(cursor.fetchall())


def _column(name: str) -> str:
    from django.db import connection

    from sscard.core.milestones import milestone_column

    return str(connection.ops.quote_name(milestone_column(name)))


@dataclass(frozen=True)
class RawFigures:
    cumulative: dict[str, int]
    on_day: dict[str, int]
    applied_by: dict[str, dict[str, int]]  # dimension -> code -> applications


def _raw_figures(where: Where, day: date) -> RawFigures:
    """What ``figures_on`` answers, counted bare: by kind up to and on the day, and the
    applications up to it by each dimension (the same seven questions, one query each)."""
    by_kind = f"SELECT kind, count(*) FROM {{t}} WHERE {where.sql} AND day {{op}} %s GROUP BY kind"
    cumulative = dict(_query(by_kind.replace("{op}", "<="), (*where.params, day)))
    on_day = dict(_query(by_kind.replace("{op}", "="), (*where.params, day)))
    applied_by = {}
    for dimension, field in DIMENSION_COLUMNS.items():
        column = _column(field)
        sql = (
            f"SELECT {column}, count(*) FROM {{t}} WHERE {where.sql} "
            f"AND kind = 'applied' AND day <= %s GROUP BY {column}"
        )
        applied_by[dimension] = {
            "" if code is None else str(code): n for code, n in _query(sql, (*where.params, day))
        }
    return RawFigures(cumulative, on_day, applied_by)


@dataclass(frozen=True)
class RawSeries:
    before: dict[str, int]
    per_day: dict[tuple[str, date], int]


def _raw_series(where: Where, starts: date, ends: date) -> RawSeries:
    """What ``series`` answers, counted bare: the totals before the window by kind and the
    events in it by day and kind."""
    before = dict(
        _query(
            f"SELECT kind, count(*) FROM {{t}} WHERE {where.sql} AND day < %s GROUP BY kind",
            (*where.params, starts),
        )
    )
    sql = (
        f"SELECT kind, day, count(*) FROM {{t}} WHERE {where.sql} "
        "AND day BETWEEN %s AND %s GROUP BY day, kind"
    )
    per_day = {(kind, day): n for kind, day, n in _query(sql, (*where.params, starts, ends))}
    return RawSeries(before, per_day)


@dataclass(frozen=True)
class RawFunnel:
    persons: dict[str, int]
    gaps: dict[str, dict[int, int]]  # kind -> days since the step before -> persons


def _raw_funnel(where: Where, day: date, funnel_kinds: Sequence[str]) -> RawFunnel:
    """What ``funnel`` answers, counted bare: persons by their first milestone of each step,
    and the histogram of days from the step before."""
    first = _column("first")
    persons = dict(
        _query(
            f"SELECT kind, count(*) FROM {{t}} WHERE {where.sql} AND day <= %s AND {first} "
            "AND kind = ANY(%s) GROUP BY kind",
            (*where.params, day, list(funnel_kinds)),
        )
    )
    gaps: dict[str, dict[int, int]] = {}
    for kind, gap, n in _query(
        f"SELECT kind, gap_days, count(*) FROM {{t}} WHERE {where.sql} AND day <= %s "
        f"AND {first} AND gap_days >= 0 AND kind = ANY(%s) GROUP BY kind, gap_days",
        (*where.params, day, list(funnel_kinds[1:])),
    ):
        gaps.setdefault(kind, {})[gap] = n
    return RawFunnel(persons, gaps)


# --------------------------------------------------------------------------------------------
# Checks: ours equals the bare count
# --------------------------------------------------------------------------------------------


def _check_figures(ours: Any, raw: RawFigures) -> None:
    for kind in KINDS:
        assert ours.cumulative[kind] == raw.cumulative.get(kind, 0), (kind, ours.cumulative, raw)
        assert ours.on_day[kind] == raw.on_day.get(kind, 0), (kind, ours.on_day, raw.on_day)
    net = raw.cumulative.get("applied", 0) - raw.cumulative.get("withdrawn", 0)
    assert ours.cumulative["applied_net"] == net
    for breakdown in ours.applications_by:
        expected: Counter[str] = Counter()
        for code, n in raw.applied_by[breakdown.dimension].items():
            merged = (
                "employer_batch" if breakdown.dimension == "channel" and code in BATCH else code
            )
            expected[merged] += n
        shown = {code: n for code, _name, n in breakdown.rows if code != "others"}
        for code, n in shown.items():
            assert n == expected[code], (breakdown.dimension, code, n, expected[code])
        total = sum(n for _code, _name, n in breakdown.rows)
        assert total == sum(expected.values()), (breakdown.dimension, total, expected)


def _check_series(points: Any, raw: RawSeries, kinds: Sequence[str]) -> None:
    totals = {kind: raw.before.get(kind, 0) for kind in kinds}
    for point in points:
        for kind in kinds:
            days = (point.ends - point.starts).days + 1
            span = (point.starts + timedelta(days=i) for i in range(days))
            counted = sum(raw.per_day.get((kind, d), 0) for d in span)
            totals[kind] += counted
            assert point.counts[kind] == counted, (point.starts, kind, point.counts, counted)
            assert point.totals[kind] == totals[kind], (point.starts, kind, point.totals)


def _weighted_median(histogram: dict[int, int]) -> float | None:
    values = sorted(v for v, n in histogram.items() for _ in range(n))
    return float(median(values)) if values else None


def _check_funnel(steps: Any, raw: RawFunnel) -> None:
    previous: int | None = None
    for step in steps:
        count = raw.persons.get(step.kind, 0)
        assert step.count == count, (step.kind, step.count, count)
        if previous is not None:
            assert step.conversion == (count / previous if previous else None), step
            if count:
                expected = _weighted_median(raw.gaps.get(step.kind, {}))
                assert step.median_days == expected, (step.kind, step.median_days, expected)
        previous = count


def _check_first_flags(where: Where, day: date, funnel_kinds: Sequence[str]) -> None:
    """The ``first`` flags the bulk writer set are right: persons with a milestone of each kind
    (untimed: the funnel's baseline trusts the flags, this does not)."""
    persons = dict(
        _query(
            f"SELECT kind, count(DISTINCT person_id) FROM {{t}} WHERE {where.sql} "
            "AND day <= %s AND kind = ANY(%s) GROUP BY kind",
            (*where.params, day, list(funnel_kinds)),
        )
    )
    flagged = _raw_funnel(where, day, funnel_kinds).persons
    assert persons == flagged, (persons, flagged)


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def _timed(call: Callable[[], T], repeats: int) -> tuple[float, T]:
    """The median seconds of ``repeats`` calls, and the last answer."""
    times: list[float] = []
    answer: T | None = None
    for _ in range(repeats):
        with Timer() as timer:
            answer = call()
        times.append(timer.seconds)
    assert answer is not None
    return median(times), answer


def _print(title: str, ours: float, base: float, baseline: str, repeats: int) -> None:
    print(f"\n{title}")
    print(f"  ours     : {ours * 1000:10.1f} ms (median of {repeats})")
    print(f"  baseline : {base * 1000:10.1f} ms ({baseline})")
    print(f"  ratio    : {base / ours:.3f} (baseline time / our time)", flush=True)


def _measure(
    title: str,
    ours: Callable[[], T],
    base: Callable[[], Any],
    check: Callable[[T, Any], None],
    *,
    baseline: str,
    repeats: int,
) -> None:
    ours_s, answer = _timed(ours, repeats)
    base_s, raw = _timed(base, repeats)
    check(answer, raw)
    _print(title, ours_s, base_s, baseline, repeats)


def _largest(values: Sequence[T | None]) -> T:
    (found, _n), *_rest = Counter(v for v in values if v is not None).most_common(1)
    return found


def _measure_all(people: People, repeats: int) -> None:
    from sscard.core.actors import Actor, Role
    from sscard.reports.statistics import FUNNEL_KINDS, figures_on, funnel, scope_for, series

    city = Actor(role=Role.CITY_OFFICER, label="benchmark city officer", city_code=CITY)
    district = _largest(people.districts)
    officer = Actor(
        role=Role.DISTRICT_OFFICER,
        label="benchmark district officer",
        city_code=CITY,
        district_code=district,
    )
    employer = _largest(people.employers)
    staff = sum(1 for e in people.employers if e == employer)
    floor = "bare SQL: by kind up to and on the day, applications by 5 dimensions"
    for title, actor, scope, where in (
        (f"figures_on, city officer, {CITY}", city, scope_for(city), _where()),
        (
            f"figures_on, district officer, {district}",
            officer,
            scope_for(officer),
            _where(district=district),
        ),
        (
            f"figures_on, city officer, employer #{employer} ({staff:,} staff)",
            city,
            scope_for(city, employer_id=employer),
            _where(employer=employer),
        ),
    ):
        _measure(
            f"{title} on {LAST}",
            partial(figures_on, actor=actor, day=LAST, scope=scope),
            partial(_raw_figures, where, LAST),
            _check_figures,
            baseline=floor,
            repeats=repeats,
        )
    whole = scope_for(city)
    daily = LAST - timedelta(days=29)
    weekly = LAST - timedelta(days=LAST.weekday()) - timedelta(weeks=11)
    windows: tuple[tuple[str, date, Literal["day", "week"]], ...] = (
        (f"series, city, daily {daily} .. {LAST} (30 days)", daily, "day"),
        (f"series, city, weekly {weekly} .. {LAST} (12 weeks)", weekly, "week"),
    )
    for title, starts, step in windows:
        _measure(
            title,
            partial(series, actor=city, starts=starts, ends=LAST, step=step, scope=whole),
            partial(_raw_series, _where(), starts, LAST),
            lambda points, raw: _check_series(points, raw, KINDS),
            baseline="bare SQL: by kind before the window, by day and kind in it",
            repeats=repeats,
        )
    _check_first_flags(_where(), LAST, FUNNEL_KINDS)
    _measure(
        f"funnel, city, on {LAST}",
        lambda: funnel(actor=city, day=LAST, scope=whole),
        lambda: _raw_funnel(_where(), LAST, FUNNEL_KINDS),
        _check_funnel,
        baseline="bare SQL: first milestones by kind, days-since histograms by kind",
        repeats=repeats,
    )


def _analyze() -> None:
    """Give the planner the statistics of the tables just loaded, as autovacuum would have
    over the campaign's months: the same for our queries and the baseline's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def run(persons: int, *, repeats: int = 5, prefix: str = "sscard_bench") -> None:
    folder = population("beijing", persons)
    with fresh_database("postgresql", prefix=prefix):
        from sscard.core.milestones import milestone_tallies_refresh
        from sscard.core.models import MilestoneKind, MilestoneTally

        assert set(KINDS) == set(MilestoneKind.values), "a new milestone kind: plan it here"
        rng = random.Random(SEED)
        with Timer() as imported:
            _import(folder)
        with Timer() as written:
            people = _people(rng)
            milestones = _milestones(people, rng)
        with Timer() as refreshed:
            counted = milestone_tallies_refresh()
        assert counted == milestones, (counted, milestones)
        with Timer() as analysed:
            _analyze()
        tallies = MilestoneTally.objects.count()
        print(f"\nstatistics set-up ({persons:,} persons, not measured):")
        print(
            f"  import   : {imported.seconds:8.2f} s "
            "(divisions, banks, employers, schools, persons)"
        )
        print(
            f"  write    : {written.seconds:8.2f} s = {milestones:,} milestones of "
            f"{len(people.pks):,} persons over {DAYS} days ({START} .. {LAST}), "
            f"milestone_record_many, one transaction a day, seed {SEED}"
        )
        print(
            f"  tallies  : {refreshed.seconds:8.2f} s milestone_tallies_refresh() before measuring "
            f"({counted:,} milestones into {tallies:,} tally rows)"
        )
        print(
            f"  analyze  : {analysed.seconds:8.2f} s ANALYZE of the freshly loaded tables "
            "(autovacuum would have by then; without it the planner guesses a few rows)",
            flush=True,
        )
        _measure_all(people, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5, help="calls of each measurement")
    parser.add_argument("--prefix", default="sscard_bench", help="PostgreSQL database name prefix")
    args = parser.parse_args()
    run(args.persons, repeats=args.repeats, prefix=args.prefix)


if __name__ == "__main__":
    main()

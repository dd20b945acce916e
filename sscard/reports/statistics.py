"""The bureau's statistics of a campaign (SH-02, issue 13): figures for any day, daily and weekly
series, and the funnel — all counted from milestones (``core.milestones``), the dated events
the services write as they work, never from the current state of applications and cards. A
figure "at the end of day D" counts the milestones dated D or before, so it never changes
when later work happens.

Who reads what (:func:`scope_for`): a city officer their city (any district, employer or group
of it), a district officer their district only, employer HR their employer only, the system
everything; anyone else is refused. Every row shows names, never codes (``core.names``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sscard.campaigns.selectors import (
    outreach_conversion,
    outreach_round_target_text,
    outreach_rounds,
    packs_in_force,
)
from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.milestones import (
    FUNNEL,
    milestone_counts,
    milestone_filter,
    milestone_gaps,
    milestone_tallies_refresh_if_due,
    milestones_by_day,
    week_start,
)
from sscard.core.models import MilestoneKind
from sscard.core.names import Kind, english_active, names_of
from sscard.kernel.regions import city_of
from sscard.policy import Pack, builtin_pack, builtin_pack_ids
from sscard.registry.models import Employer
from sscard.reports.errors import ReportsErrorCode

__all__ = [
    "APPLIED_NET",
    "DIMENSIONS",
    "FUNNEL_KINDS",
    "KINDS",
    "MAX_SERIES_DAYS",
    "Breakdown",
    "Figures",
    "FunnelStep",
    "SeriesPoint",
    "StatScope",
    "dimension_label",
    "figures_on",
    "funnel",
    "group_choices",
    "kind_label",
    "scope_for",
    "series",
]

READERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR, Role.SYSTEM})
#: Every kind of milestone, in the order of a card's way.
KINDS: tuple[str, ...] = tuple(MilestoneKind.values)
#: The steps of the funnel (SH-02, issue 13 point 3), in order.
FUNNEL_KINDS: tuple[str, ...] = FUNNEL
#: ``Figures.cumulative[APPLIED_NET]``: applications standing, applied minus withdrawn.
APPLIED_NET = "applied_net"
#: The dimensions applications are broken down by, in the order the page shows them.
DIMENSIONS: tuple[str, ...] = ("channel", "group", "district", "bank", "employer")
#: Rows a breakdown shows before it sums the rest as "others".
TOP = 20
OTHERS = "others"
#: The channels of an employer's collective application, shown together as "employer batch".
EMPLOYER_BATCH = "employer_batch"
_BATCH_CHANNELS = frozenset({"collective_online", "collective_offline"})
#: The longest series one question may ask for (three years, day by day).
MAX_SERIES_DAYS = 366 * 3

_DIMENSION_LABELS = {
    "channel": gettext_lazy("Channel"),
    "group": gettext_lazy("Group"),
    "district": gettext_lazy("District"),
    "bank": gettext_lazy("Bank"),
    "employer": gettext_lazy("Employer"),
}
_COLUMN = {
    "channel": "channel",
    "group": "group",
    "district": "district_code",
    "bank": "bank_code",
    "employer": "employer_id",
}


@dataclass(frozen=True, slots=True)
class StatScope:
    """What the figures are narrowed to: a district, an employer, a policy group (each
    optional); :func:`scope_for` settles it for an actor."""

    district_code: str | None = None
    employer_id: int | None = None
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    """Applications by one dimension: ``(code, name, count)`` rows, most first, the top 20 and
    then ``("others", "Others", n)`` for the rest."""

    dimension: str
    rows: list[tuple[str, str, int]]


@dataclass(frozen=True, slots=True)
class Figures:
    """The figures as they stood at the end of ``day``: events of each kind up to and on it."""

    day: date
    cumulative: dict[str, int]  # kind -> events dated ``day`` or before; and APPLIED_NET
    on_day: dict[str, int]  # kind -> events dated ``day``
    applications_by: list[Breakdown]  # DIMENSIONS, in order


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One day or week of a series: events in it, and the totals at its end."""

    starts: date
    ends: date
    counts: dict[str, int]
    totals: dict[str, int]


@dataclass(frozen=True, slots=True)
class FunnelStep:
    """One step of the funnel: persons who reached it by the day, the share of the step
    before's persons that is (``None`` for the first step or after an empty one), and the
    median days from a person's step before to this one (``None`` when nobody has both)."""

    kind: str
    label: str
    count: int
    conversion: float | None
    median_days: float | None

    @property
    def entered_here(self) -> bool:
        """More people reached this step than the step before: some entered the funnel here
        (applied at a counter without a personal invitation)."""
        return self.conversion is not None and self.conversion > 1


def kind_label(kind: str) -> str:
    """The name of a milestone kind in the page's language (``申领``, "Applied")."""
    return str(MilestoneKind(kind).label) if kind in KINDS else _("Applications standing")


def dimension_label(dimension: str) -> str:
    return str(_DIMENSION_LABELS[dimension])


# --------------------------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------------------------


def scope_for(
    actor: Actor,
    *,
    district_code: str | None = None,
    employer_id: int | None = None,
    group: str | None = None,
) -> StatScope:
    """The scope ``actor`` asks for, as it may have it: a district officer's district and an
    HR's employer are forced; asking for another district (``statistics_district_not_yours``)
    or employer (``statistics_employer_not_yours``) is refused, as is any other role."""
    if actor.role not in READERS:
        raise PermissionDenied("see the campaign's statistics", "查看换卡统计")
    district = (district_code or "").strip() or None
    if district is not None and (len(district) != 6 or not district.isdigit()):
        raise ReportsErrorCode.STATISTICS_DISTRICT_INVALID.error(district=district)
    if actor.role is Role.DISTRICT_OFFICER:
        if district is not None and district != actor.district_code:
            raise ReportsErrorCode.STATISTICS_DISTRICT_NOT_YOURS.error(district=district)
        district = actor.district_code or ""
    elif district is not None and actor.city_code and city_of(district) != actor.city_code:
        raise ReportsErrorCode.STATISTICS_DISTRICT_NOT_YOURS.error(district=district)
    if actor.role is Role.EMPLOYER_HR:
        if employer_id is not None and employer_id != actor.employer_id:
            raise ReportsErrorCode.STATISTICS_EMPLOYER_NOT_YOURS.error(employer_id=employer_id)
        employer_id = actor.employer_id if actor.employer_id is not None else -1
    elif employer_id is not None:
        _employer_visible(actor, employer_id)
    return StatScope(district, employer_id, (group or "").strip() or None)


def _employer_visible(actor: Actor, employer_id: int) -> None:
    """An employer a bureau may narrow to: one of its city (``not_found`` otherwise)."""
    insured = Employer.objects.filter(pk=employer_id).values_list("insured_district", flat=True)
    found = insured.first()
    if found is None or (actor.city_code and city_of(found) != actor.city_code):
        raise NotFound("employer", what_zh="该单位")


def _where(actor: Actor, scope: StatScope) -> Q:
    """The milestones ``actor`` may count within ``scope`` (the scope checked again: a caller
    cannot widen it by building a :class:`StatScope` itself)."""
    checked = scope_for(
        actor,
        district_code=scope.district_code,
        employer_id=scope.employer_id,
        group=scope.group,
    )
    milestone_tallies_refresh_if_due()
    city = actor.city_code if actor.role in (Role.CITY_OFFICER, Role.SYSTEM) else None
    if actor.role is Role.DISTRICT_OFFICER:
        city = city_of(checked.district_code or "") or None
    if city is None and checked.employer_id is not None:
        # An employer's staff are insured where it is: its city narrows the milestones (and
        # lets the indexes, which lead with the city, find them).
        insured = Employer.objects.filter(pk=checked.employer_id).values_list(
            "insured_district", flat=True
        )
        city = city_of(insured.first() or "") or None
    return milestone_filter(
        city_code=city or None,
        district_code=checked.district_code,
        employer_id=checked.employer_id,
        group=checked.group,
    )


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


def _packs() -> list[Pack]:
    """The packs in force, then the packs shipped with sscard (a group of a pack since
    superseded keeps its name)."""
    return [*packs_in_force(), *(builtin_pack(p) for p in builtin_pack_ids())]


def _group_names(codes: Iterable[str], *, english: bool) -> dict[str, str]:
    wanted = {c for c in codes if c}
    found: dict[str, str] = {}
    for pack in _packs():
        for gid in wanted - found.keys():
            group = pack.groups.get(gid)
            if group is not None:
                found[gid] = (group.title_en if english else group.title_zh) or group.title_zh
    return {c: found.get(c, c) for c in wanted}


def group_choices(actor: Actor) -> list[tuple[str, str]]:
    """The person groups of the packs in force where ``actor`` works, as ``(id, name)``: what a
    page offers to narrow the figures to."""
    english = english_active()
    choices: dict[str, str] = {}
    city = actor.city_code or (city_of(actor.district_code or "") or None)
    for pack in packs_in_force():
        if city and pack.city != city:
            continue
        for gid, group in pack.groups.items():
            if group.subject == "person":
                title = (group.title_en if english else group.title_zh) or group.title_zh
                choices.setdefault(gid, title)
    return list(choices.items())


def _names(dimension: str, codes: Iterable[str]) -> dict[str, str]:
    codes = [c for c in codes if c and c != OTHERS]
    english = english_active()
    if dimension == "channel":
        names = names_of(Kind.CHANNEL, [c for c in codes if c != EMPLOYER_BATCH])
        if EMPLOYER_BATCH in codes:
            names[EMPLOYER_BATCH] = _("Employer batch")
        return names
    if dimension == "district":
        return names_of(Kind.REGION, codes)
    if dimension == "bank":
        return names_of(Kind.BANK, codes)
    if dimension == "group":
        return _group_names(codes, english=english)
    found = dict(
        Employer.objects.filter(pk__in=[int(c) for c in codes if c.isdigit()]).values_list(
            "pk", "name"
        )
    )
    return {c: found.get(int(c), c) if c.isdigit() else c for c in codes}


def _unnamed(dimension: str) -> str:
    """What a row without a code is called (an individual applicant has no employer)."""
    if dimension == "employer":
        return _("No employer")
    return _("Not recorded")


# --------------------------------------------------------------------------------------------
# Figures for a day
# --------------------------------------------------------------------------------------------


def _breakdown(where: Q, day: date, dimension: str) -> Breakdown:
    column = _COLUMN[dimension]
    rows = milestone_counts(
        where=where & Q(kind=MilestoneKind.APPLIED, day__lte=day), by=(column,)
    ).items()
    counts: Counter[str] = Counter()
    for (code,), n in rows:
        key = "" if code is None else str(code)
        if dimension == "channel" and key in _BATCH_CHANNELS:
            key = EMPLOYER_BATCH
        counts[key] += n
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    top, rest = ordered[:TOP], ordered[TOP:]
    names = _names(dimension, [code for code, _n in top])
    out = [(code, names.get(code) or _unnamed(dimension), n) for code, n in top]
    if rest:
        out.append((OTHERS, _("Others"), sum(n for _code, n in rest)))
    return Breakdown(dimension, out)


def figures_on(*, actor: Actor, day: date, scope: StatScope) -> Figures:
    """The campaign's figures as they stood at the end of ``day`` (SH-02): events of each kind
    up to it and on it, applications standing, and applications by channel, group, district,
    bank and employer. One query for the counts, one per breakdown."""
    where = _where(actor, scope)
    cumulative = dict.fromkeys(KINDS, 0)
    on_day = dict.fromkeys(KINDS, 0)
    for (kind,), n in milestone_counts(where=where & Q(day__lte=day), by=("kind",)).items():
        cumulative[kind] = n
    for (kind,), n in milestone_counts(where=where & Q(day=day), by=("kind",)).items():
        on_day[kind] = n
    cumulative[APPLIED_NET] = (
        cumulative[MilestoneKind.APPLIED] - cumulative[MilestoneKind.WITHDRAWN]
    )
    return Figures(
        day=day,
        cumulative=cumulative,
        on_day=on_day,
        applications_by=[_breakdown(where, day, d) for d in DIMENSIONS],
    )


# --------------------------------------------------------------------------------------------
# Series
# --------------------------------------------------------------------------------------------


def _periods(starts: date, ends: date, step: str) -> list[tuple[date, date]]:
    if step == "day":
        days = [starts + timedelta(days=i) for i in range((ends - starts).days + 1)]
        return [(d, d) for d in days]
    periods = []
    monday = week_start(starts)
    while monday <= ends:
        periods.append((max(monday, starts), min(monday + timedelta(days=6), ends)))
        monday += timedelta(days=7)
    return periods


def series(
    *,
    actor: Actor,
    starts: date,
    ends: date,
    step: Literal["day", "week"],
    scope: StatScope,
    kinds: Sequence[str] | None = None,
) -> list[SeriesPoint]:
    """Events of each kind per day or per week (Monday to Sunday, the first and last cut at
    ``starts`` and ``ends``), with the totals at the end of each: counted per day in the
    database (one query), and one more for the totals before ``starts``."""
    days = (ends - starts).days + 1
    if days < 1 or days > MAX_SERIES_DAYS or step not in ("day", "week"):
        raise ReportsErrorCode.STATISTICS_PERIOD_INVALID.error_with(
            {"days": MAX_SERIES_DAYS},
            starts=starts.isoformat(),
            ends=ends.isoformat(),
            step=step,
        )
    wanted = tuple(k for k in (kinds or KINDS) if k in KINDS)
    where = _where(actor, scope)
    before = {
        kind: n
        for (kind,), n in milestone_counts(
            where=where & Q(kind__in=wanted, day__lt=starts), by=("kind",)
        ).items()
    }
    per_day = milestones_by_day(where=where, starts=starts, ends=ends, kinds=wanted)
    totals = {k: int(before.get(k, 0)) for k in wanted}
    points = []
    for first, last in _periods(starts, ends, step):
        counts = dict.fromkeys(wanted, 0)
        day = first
        while day <= last:
            for kind in wanted:
                counts[kind] += per_day.get((kind, day), 0)
            day += timedelta(days=1)
        totals = {k: totals[k] + counts[k] for k in wanted}
        points.append(SeriesPoint(first, last, counts, dict(totals)))
    return points


# --------------------------------------------------------------------------------------------
# The funnel
# --------------------------------------------------------------------------------------------


def _median(histogram: dict[int, int]) -> float | None:
    """The median of the values a histogram counts (the mean of the middle two for an even
    number)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        found.extend(value for position in wanted if seen <= position < seen + count)
        seen += count
    return sum(found) / len(found)


def funnel(*, actor: Actor, day: date, scope: StatScope) -> list[FunnelStep]:
    """The campaign's funnel at the end of ``day`` (issue 13 point 3): eligible → notified or
    invited → applied → made → issued → enabled → old card void.

    Each step counts the persons with such a milestone up to ``day`` (a person once, by their
    first: the ``first`` flag); the conversion is that count over the step before's; the median
    days are between a person's first milestones of the step before and of this one, over the
    persons who had reached the step before by then (``gap_days``, set when the milestone was
    written, and not before it), taken from their histogram counted in the database. People
    enter the funnel where they do: one who applies at a counter without a personal invitation
    counts at "applied" and not at "invited", so a conversion above 1 says how many came
    without one (``FunnelStep.entered_here``, which the page explains)."""
    where = _where(actor, scope) & Q(day__lte=day)
    counts = {
        kind: n
        for (kind,), n in milestone_counts(
            where=where & Q(kind__in=FUNNEL_KINDS, first=True), by=("kind",)
        ).items()
    }
    steps: list[FunnelStep] = []
    previous: str | None = None
    for kind in FUNNEL_KINDS:
        count = int(counts.get(kind, 0))
        conversion = median = None
        if previous is not None:
            before = int(counts.get(previous, 0))
            conversion = count / before if before else None
            if count:
                # a step taken before the step before (an invitation sent to someone who had
                # already applied) has no time between them to count
                gaps = milestone_gaps(where=where & Q(kind=kind))
                median = _median({days: n for days, n in gaps.items() if days >= 0})
        steps.append(FunnelStep(kind, kind_label(kind), count, conversion, median))
        previous = kind
    return steps


# --------------------------------------------------------------------------------------------
# Reminder rounds on the funnel (issue 14 point 1)
# --------------------------------------------------------------------------------------------

#: The rounds the funnel lists, newest first.
FUNNEL_ROUNDS = 50


def funnel_rounds(*, actor: Actor, english: bool) -> list[dict[str, object]]:
    """The reminder rounds the actor may see (newest first), each with whom it aimed at, how
    many it reminded, how many of them have applied since its day, and the conversion."""
    if actor.role not in READERS:
        raise PermissionDenied("see the campaign's statistics", "查看换卡统计")
    if actor.role is Role.EMPLOYER_HR and actor.employer_id is None:
        return []
    rounds = list(outreach_rounds(actor=actor)[:FUNNEL_ROUNDS])
    conversion = outreach_conversion(r.pk for r in rounds)
    return [
        {
            "round": r,
            "target": outreach_round_target_text(r, english=english),
            "conversion": conversion[r.pk],
        }
        for r in rounds
    ]

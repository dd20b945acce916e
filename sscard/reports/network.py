"""The relying-party network as the bureau follows it (SH-03): verification traffic by party
kind and district over a period, by answer, and how many parties of each kind are live
(verified at least once in the period) against the network the notice names.

Traffic is the record of verifications (``CardVerification``: a terminal that names itself
leaves one, with its party). A city's officers read their city's parties, a district officer
their district's; a verification counts where its party is registered.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from sscard.campaigns.selectors import pack_in_force_or_none, packs_in_force
from sscard.cards.choices import CardStatus
from sscard.cards.models import CardVerification
from sscard.core.actors import Actor, Role
from sscard.core.clock import today
from sscard.core.errors import PermissionDenied
from sscard.core.scope import city_prefix, region_in_city
from sscard.kernel.regions import city_of
from sscard.network.choices import OutletKind, RelyingPartyKind
from sscard.network.models import Outlet
from sscard.network.selectors import relying_parties_visible
from sscard.policy import Pack
from sscard.policy.schema import NetworkFigure
from sscard.reports.errors import ReportsErrorCode

NETWORK_READERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})
MAX_DAYS = 366
"""A longer period is refused (``statistics_period_invalid``)."""
#: The notice's parts of the network and where the platform holds each: an outlet kind, or a
#: relying-party kind (only these verify cards, so only these can be live).
OUTLET_FIGURES = {
    "community_centre": OutletKind.COMMUNITY_CENTRE,
    "bank_outlet": OutletKind.BANK_BRANCH,
}


@dataclass(frozen=True, slots=True)
class TrafficRow:
    """Verifications made by the parties of one kind in one district, by answer."""

    kind: str
    district: str
    answers: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.answers.values())


@dataclass(frozen=True, slots=True)
class NetworkPart:
    """One part of the network: how many are registered, how many were live in the period
    (``None`` for outlets, which verify nothing), and the notice's floor with its words."""

    kind: str
    registered: int
    live: int | None
    at_least: int | None = None
    quote: str = ""
    clause: str = ""
    title_zh: str = ""
    title_en: str = ""


@dataclass(frozen=True, slots=True)
class NetworkReport:
    starts: date
    ends: date
    rows: tuple[TrafficRow, ...]
    parts: tuple[NetworkPart, ...]
    answers: tuple[str, ...]
    """The answers the period holds, in ``CardStatus`` order."""

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def _day_bounds(starts: date, ends: date) -> tuple[datetime, datetime]:
    zone = timezone.get_default_timezone()
    low = datetime.combine(starts, time.min, tzinfo=zone)
    high = datetime.combine(ends + timedelta(days=1), time.min, tzinfo=zone)
    return low, high


def _pack_for(actor: Actor) -> Pack | None:
    """The pack whose network figures the report compares with: the actor's city's in force,
    or the one pack in force for an account bound to no city."""
    city = actor.city_code or (city_of(actor.district_code) if actor.district_code else "")
    if city:
        found = pack_in_force_or_none(city)
        return found.pack if found is not None else None
    packs = packs_in_force()
    return packs[0] if len(packs) == 1 else None


def _district_mine(actor: Actor, district: str) -> bool:
    if actor.role is Role.DISTRICT_OFFICER:
        return district == actor.district_code
    prefix = city_prefix(actor)
    return prefix is None or district.startswith(prefix)


def _outlets(actor: Actor, district: str | None) -> QuerySet[Outlet]:
    outlets = Outlet.objects.all()
    if actor.role is Role.DISTRICT_OFFICER:
        outlets = outlets.filter(district=actor.district_code or "")
    elif prefix := city_prefix(actor):
        outlets = outlets.filter(region_in_city(prefix, "district"))
    return outlets.filter(district=district) if district else outlets


def network_report(
    *, actor: Actor, starts: date, ends: date, district: str | None = None
) -> NetworkReport:
    """Verification traffic from ``starts`` to ``ends`` (whole days, the city's time) by
    party kind, district and answer, and the network's parts against the notice's figures."""
    if actor.role not in NETWORK_READERS:
        raise PermissionDenied("read the relying-party network", "查看用卡机构网络")
    if ends < starts or (ends - starts).days >= MAX_DAYS:
        raise ReportsErrorCode.STATISTICS_PERIOD_INVALID.error_with(
            {"days": MAX_DAYS}, starts=starts.isoformat(), ends=ends.isoformat()
        )
    if district and not _district_mine(actor, district):
        raise ReportsErrorCode.STATISTICS_DISTRICT_NOT_YOURS.error(district=district)
    parties = relying_parties_visible(actor)
    if district:
        parties = parties.filter(district=district)
    low, high = _day_bounds(starts, ends)
    verifications = CardVerification.objects.filter(
        checked_at__gte=low, checked_at__lt=high, relying_party__in=parties.values("pk")
    )
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    seen: set[str] = set()
    for kind, where, status, n in verifications.values_list(
        "relying_party__kind", "relying_party__district", "status"
    ).annotate(n=Count("pk")):
        cells[(kind, where)][status] = n
        seen.add(status)
    kind_order = list(RelyingPartyKind.values)
    rows = tuple(
        TrafficRow(kind, where, answers)
        for (kind, where), answers in sorted(
            cells.items(),
            key=lambda item: (
                kind_order.index(item[0][0]) if item[0][0] in kind_order else 99,
                item[0][1],
            ),
        )
    )
    live = dict(
        verifications.values_list("relying_party__kind")
        .annotate(n=Count("relying_party", distinct=True))
        .values_list("relying_party__kind", "n")
    )
    registered = dict(parties.values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    outlet_counts = dict(
        _outlets(actor, district)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    pack = _pack_for(actor)
    figures: dict[str, NetworkFigure] = (
        {f.kind: f for f in pack.network} if pack is not None else {}
    )
    parts = []
    for figure_kind, outlet_kind in OUTLET_FIGURES.items():
        figure = figures.get(figure_kind)
        if figure is not None:
            parts.append(
                NetworkPart(
                    figure_kind,
                    outlet_counts.get(outlet_kind, 0),
                    None,
                    figure.at_least,
                    figure.quote,
                    figure.clause or "",
                    figure.title_zh,
                    figure.title_en,
                )
            )
    for kind in RelyingPartyKind.values:
        figure = figures.get(kind)
        if figure is None and not registered.get(kind):
            continue
        parts.append(
            NetworkPart(
                kind,
                registered.get(kind, 0),
                live.get(kind, 0),
                figure.at_least if figure else None,
                figure.quote if figure else "",
                (figure.clause or "") if figure else "",
                figure.title_zh if figure else "",
                figure.title_en if figure else "",
            )
        )
    answers = tuple(s for s in CardStatus.values if s in seen)
    return NetworkReport(starts, ends, rows, tuple(parts), answers)


DEFAULT_DAYS = 30
OUTLET_LABELS = {
    "community_centre": gettext_lazy("Community acceptance centres"),
    "bank_outlet": gettext_lazy("Service bank outlets"),
}


def period(data: dict[str, date | None]) -> tuple[date, date]:
    """The period asked, or the 30 days to today (the page, its export and the API)."""
    ends = data.get("ends") or today()
    starts = data.get("starts") or ends - timedelta(days=DEFAULT_DAYS - 1)
    return starts, ends


def part_label(part: NetworkPart, *, english: bool) -> str:
    """A part's name: the notice's words for it, else the name of its kind."""
    if part.title_zh:
        return part.title_en if english else part.title_zh
    with translation.override("en" if english else "zh-hans"):
        if part.kind in OUTLET_LABELS:
            return str(OUTLET_LABELS[part.kind])
        return str(dict(RelyingPartyKind.choices).get(part.kind, part.kind))

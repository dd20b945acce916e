"""The bureau's view of its campaign (SH-02): the statistics page — the figures as they stood at
the end of any day, a daily or weekly series, the split by channel, district, bank, group and
employer — and the funnel page, from eligible to the old card void. Each chart has its table.

The figures come from ``sscard.reports.statistics`` (dated milestones): views parse the
filter, ask the selectors within the actor's scope, and turn the answers into charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from sscard.campaigns.selectors import OUTREACH_SENDERS
from sscard.core.actors import Actor, Role
from sscard.core.charts import Chart, ChartKind
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.milestones import week_start
from sscard.core.views import actor_required, english_page, error_page, request_actor
from sscard.registry.models import Employer
from sscard.registry.selectors import division_districts, employer_get, employer_pick
from sscard.reports.forms import FunnelFilterForm, StatisticsFilterForm
from sscard.reports.statistics import (
    APPLIED_NET,
    Breakdown,
    Figures,
    FunnelStep,
    SeriesPoint,
    StatScope,
    dimension_label,
    figures_on,
    funnel,
    funnel_rounds,
    group_choices,
    scope_for,
    series,
)

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.EMPLOYER_HR)

#: The figures of the page's large numbers, in the order of a card's life.
FIGURE_LABELS = {
    "applied": gettext_lazy("Applications"),
    "withdrawn": gettext_lazy("Applications withdrawn"),
    APPLIED_NET: gettext_lazy("Applications standing"),
    "ordered": gettext_lazy("Cards ordered"),
    "made": gettext_lazy("Cards made"),
    "issued": gettext_lazy("Cards issued"),
    "enabled": gettext_lazy("Cards enabled"),
    "old_voided": gettext_lazy("Old cards void"),
}
SERIES_KINDS = ("applied", "made", "issued", "enabled")
#: The splits of the applications, each drawn its own way: a few channels as parts of a whole,
#: the long lists of names as bars along the vertical axis.
SPLITS: dict[str, tuple[ChartKind, bool, Any]] = {
    "channel": (ChartKind.PIE, False, gettext_lazy("Applications by channel")),
    "district": (ChartKind.BAR, True, gettext_lazy("Applications by district")),
    "bank": (ChartKind.BAR, True, gettext_lazy("Applications by bank")),
    "group": (ChartKind.BAR, True, gettext_lazy("Applications by group")),
    "employer": (ChartKind.BAR, True, gettext_lazy("Applications by employer (the 20 largest)")),
}
SERIES_DAYS = 30
SERIES_WEEKS = 12


@dataclass(frozen=True, slots=True)
class BigNumber:
    """One large figure of the page: all events up to the end of the day, and those of the day."""

    kind: str
    label: str
    cumulative: int
    on_day: int


def _districts(actor: Actor) -> list[tuple[str, str]] | None:
    """The districts the actor may pick, by name; None for employer HR (no district filter)."""
    if actor.role is Role.EMPLOYER_HR:
        return None
    english = english_page()
    return [(d.code, d.name_en if english else d.name_zh) for d in division_districts(actor=actor)]


def _scope(actor: Actor, data: dict[str, Any]) -> StatScope:
    """The scope asked for, as the selectors allow it (they refuse what the actor may not see)."""
    return scope_for(
        actor,
        district_code=data.get("district") or None,
        employer_id=data.get("employer"),
        group=data.get("group") or None,
    )


def _employer_filter(
    request: HttpRequest, actor: Actor, form: FunnelFilterForm, scope: StatScope
) -> dict[str, Any]:
    """The employer picker of the filter (officers; HR's employer is their whole scope): the
    employer chosen, with a link back to all of them, or the text typed and its matches (the
    same picker, and htmx route, as the collective application and the reminder rounds)."""
    if "employer" not in form.fields:
        return {"employer_filter": False}
    chosen: Employer | None = None
    if scope.employer_id is not None:
        chosen = employer_get(actor=actor, employer_id=scope.employer_id)
    text = "" if chosen else (request.GET.get("employer_q") or "").strip()[:200]
    others = request.GET.copy()
    for name in ("employer", "employer_q"):
        others.pop(name, None)
    return {
        "employer_filter": True,
        "employer": chosen,
        "employer_q": text,
        "employers": employer_pick(actor=actor, text=text) if text else [],
        "all_employers": others.urlencode(),
    }


def _read(form: FunnelFilterForm) -> tuple[dict[str, Any], int]:
    """The filter's values (nothing a field refused) and the page's status: 400 when the form
    says why a value was refused, beside its field."""
    if not form.is_bound:
        return {}, 200
    valid = form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    return data, 200 if valid else 400


def _show_values(form: FunnelFilterForm, shown: dict[str, Any]) -> None:
    """Fill the filter's empty fields with what the page shows (the day, the series' period),
    so that the person reads the choice made for them; a value they typed is left as it was."""
    if not form.is_bound:
        form.initial = {**shown, **form.initial}
        return
    data = dict(form.data.items())  # the request's QueryDict is immutable
    for name, value in shown.items():
        if name in form.fields and not data.get(name):
            data[name] = value.isoformat() if isinstance(value, date) else value
    form.data = data


def _big_numbers(figures: Figures) -> list[BigNumber]:
    on_day = dict(figures.on_day)
    on_day[APPLIED_NET] = on_day.get("applied", 0) - on_day.get("withdrawn", 0)
    return [
        BigNumber(kind, str(label), figures.cumulative.get(kind, 0), on_day.get(kind, 0))
        for kind, label in FIGURE_LABELS.items()
    ]


def series_period(
    *, day: date, starts: date | None, ends: date | None, step: str | None
) -> tuple[date, date, Literal["day", "week"]]:
    """The series' period and step when the filter leaves them open: the 30 days, or the 12
    weeks from a Monday, up to ``ends`` (default the day asked). The page and its export both
    ask here."""
    weekly: Literal["day", "week"] = "week" if step == "week" else "day"
    last = ends or day
    if starts is None or starts > last:
        if weekly == "week":  # whole weeks from a Monday; the last one ends on ``last``
            starts = week_start(last) - timedelta(weeks=SERIES_WEEKS - 1)
        else:
            starts = last - timedelta(days=SERIES_DAYS - 1)
    return starts, last, weekly


def _series_chart(points: Sequence[SeriesPoint], step: str) -> Chart:
    weekly = step == "week"
    return Chart(
        chart_id="chart-series",
        kind=ChartKind.LINE,
        title=_("Week by week") if weekly else _("Day by day"),
        categories=[p.starts.isoformat() for p in points],
        series=[
            (str(FIGURE_LABELS[k]), [p.counts.get(k, 0) for p in points]) for k in SERIES_KINDS
        ],
        unit=pgettext("unit", "items"),
        category_label=_("Week starting") if weekly else _("Day"),
    )


def _split_chart(breakdown: Breakdown, unnamed: str) -> Chart:
    kind, horizontal, title = SPLITS[breakdown.dimension]
    return Chart(
        chart_id=f"chart-{breakdown.dimension}",
        kind=kind,
        title=str(title),
        categories=[name or unnamed for _code, name, _n in breakdown.rows],
        series=[(_("Applications"), [n for _code, _name, n in breakdown.rows])],
        unit=pgettext("unit", "applications"),
        category_label=dimension_label(breakdown.dimension),
        horizontal=horizontal,
        share_label=_("Share"),
    )


def _splits(actor: Actor, figures: Figures, scope: StatScope) -> list[Chart]:
    """The applications' splits the actor's scope makes worth a chart: not a district
    comparison inside one district, nor an employer split of one employer."""
    skip = set()
    if actor.role is Role.DISTRICT_OFFICER or scope.district_code:
        skip.add("district")
    if actor.role is Role.EMPLOYER_HR:
        skip |= {"district", "employer"}
    if scope.employer_id is not None:
        skip.add("employer")
    order = list(SPLITS)
    found = sorted(
        (b for b in figures.applications_by if b.dimension in SPLITS and b.dimension not in skip),
        key=lambda b: order.index(b.dimension),
    )
    return [_split_chart(b, _("Not recorded")) for b in found]


@actor_required(*READERS)
def statistics_page(request: HttpRequest) -> HttpResponse:
    """The figures on day D (default today) within the chosen scope, with charts and tables."""
    actor = request_actor(request)
    form = StatisticsFilterForm(
        request.GET or None, districts=_districts(actor), groups=group_choices(actor)
    )
    data, status = _read(form)
    day = data.get("day") or today()
    try:
        scope = _scope(actor, data)
        figures = figures_on(actor=actor, day=day, scope=scope)
        starts, ends, step = series_period(
            day=day, starts=data.get("starts"), ends=data.get("ends"), step=data.get("step")
        )
        points = series(
            actor=actor, starts=starts, ends=ends, step=step, scope=scope, kinds=SERIES_KINDS
        )
        picker = _employer_filter(request, actor, form, scope)
    except ApplicationError as error:
        return error_page(request, error)
    _show_values(form, {"day": day, "starts": starts, "ends": ends, "step": step})
    context = {
        **picker,
        "form": form,
        "day": day,
        "starts": starts,
        "ends": ends,
        "step": step,
        "numbers": _big_numbers(figures),
        "series_chart": _series_chart(points, step),
        "splits": _splits(actor, figures, scope),
    }
    return render(request, "reports/statistics.html", context, status=status)


def _funnel_chart(steps: Sequence[FunnelStep]) -> Chart:
    return Chart(
        chart_id="chart-funnel",
        kind=ChartKind.BAR,
        title=_("From eligible to the old card void"),
        categories=[s.label for s in steps],
        series=[(_("People"), [s.count for s in steps])],
        unit=pgettext("unit", "people"),
        category_label=_("Step"),
        horizontal=True,  # top down, as a funnel reads
        extra_columns=[
            (
                _("Of the step before"),
                ["—" if s.conversion is None else f"{100 * s.conversion:.1f}%" for s in steps],
            ),
            (
                _("Median days from the step before"),
                ["—" if s.median_days is None else f"{s.median_days:g}" for s in steps],
            ),
        ],
    )


@actor_required(*READERS)
def funnel_page(request: HttpRequest) -> HttpResponse:
    """How many people reached each step of the campaign by day D, the conversion from the
    step before and the median days it took."""
    actor = request_actor(request)
    form = FunnelFilterForm(
        request.GET or None, districts=_districts(actor), groups=group_choices(actor)
    )
    data, status = _read(form)
    day = data.get("day") or today()
    try:
        scope = _scope(actor, data)
        steps = funnel(actor=actor, day=day, scope=scope)
        picker = _employer_filter(request, actor, form, scope)
    except ApplicationError as error:
        return error_page(request, error)
    _show_values(form, {"day": day})
    context = {
        **picker,
        "form": form,
        "day": day,
        "steps": steps,
        "chart": _funnel_chart(steps),
        "entered": [step for step in steps if step.entered_here],
        "rounds": funnel_rounds(actor=actor, english=english_page()),
        "plain": actor.role not in OUTREACH_SENDERS,
    }
    return render(request, "reports/funnel.html", context, status=status)

"""The bureau's report pages: overdue cards (BJ-11) per bank, outlet and district, and the
backlog of cards in the making. Views parse, call a selector, and render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from sscard.campaigns.forms import DayForm
from sscard.cards.choices import CardStage
from sscard.core.actors import Role
from sscard.core.views import actor_required, english_page, request_actor
from sscard.network.selectors import bank_names
from sscard.registry.selectors import division_names
from sscard.reports.selectors import OverdueRow, backlog, overdue_by

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


@dataclass(frozen=True, slots=True)
class Bar:
    """One line of a bar table: a label, its count, and the bar's share of the longest."""

    key: str
    label: str
    count: int
    width: int
    oldest_due: date | None = None


def _bars(rows: list[tuple[str, str, int, date | None]]) -> list[Bar]:
    peak = max((n for _k, _l, n, _d in rows), default=0) or 1
    return [Bar(k, label, n, max(1, 100 * n // peak), due) for k, label, n, due in rows]


def _overdue(rows: list[OverdueRow], names: dict[str, str], unnamed: str) -> list[Bar]:
    return _bars(
        [(r.key, names.get(r.key) or r.label or unnamed, r.count, r.oldest_due) for r in rows]
    )


@actor_required(*OFFICERS)
def overdue_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    day_form = DayForm(request.GET or None)
    day = (day_form.cleaned_data.get("on") if day_form.is_valid() else None) or (
        timezone.localdate()
    )
    by_bank = overdue_by(actor=actor, today=day, by="bank")
    by_outlet = overdue_by(actor=actor, today=day, by="outlet")
    by_district = overdue_by(actor=actor, today=day, by="district")
    found = backlog(actor=actor)
    banks = bank_names(
        {r.key for r in by_bank} | {code for code, _n in found.by_bank}, english=english
    )
    districts = division_names({r.key for r in by_district if r.key}, english=english)
    stage_labels = dict(CardStage.choices)
    context: dict[str, Any] = {
        "day": day,
        "day_form": day_form,
        "overdue_total": sum(r.count for r in by_bank),
        "groups": [
            {
                "id": "bank",
                "title": _("Per bank"),
                "bars": _overdue(by_bank, banks, _("No bank chosen")),
            },
            {
                "id": "outlet",
                "title": _("Per outlet"),
                "bars": _overdue(by_outlet, {}, _("No outlet named (online or by post)")),
            },
            {
                "id": "district",
                "title": _("Per district"),
                "bars": _overdue(by_district, districts, _("District unknown")),
            },
        ],
        "backlog": found,
        "stages": _bars(
            [(stage, str(stage_labels[stage]), n, None) for stage, n in found.by_stage.items()]
        ),
        "backlog_banks": _bars(
            [(code, banks.get(code, code), n, None) for code, n in found.by_bank]
        ),
        "in_making": sum(found.by_stage.values()),
    }
    return render(request, "reports/overdue.html", context)

"""The verification traffic page (SH-03) and its export: verifications by party kind and
district over a period, by answer, and the live parties against the notice's network."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from sscard.cards.choices import CardStatus
from sscard.core.actors import Actor, Role
from sscard.core.charts import Chart, ChartKind
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response
from sscard.core.names import Kind, names_of
from sscard.core.views import actor_required, english_page, error_page, request_actor
from sscard.network.choices import RelyingPartyKind
from sscard.registry.selectors import division_districts
from sscard.reports.network import NetworkReport, network_report, part_label, period

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


class TrafficFilterForm(forms.Form):
    starts = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    district = forms.ChoiceField(label=gettext_lazy("District"), required=False)

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All districts")), *districts] if len(districts) != 1 else districts


def _districts(actor: Actor) -> list[tuple[str, str]]:
    english = english_page()
    return [(d.code, d.name_en if english else d.name_zh) for d in division_districts(actor=actor)]


def _filtered(request: HttpRequest) -> tuple[TrafficFilterForm, NetworkReport, int]:
    actor = request_actor(request)
    form = TrafficFilterForm(request.GET or None, districts=_districts(actor))
    status = 200
    data: dict[str, Any] = {}
    if form.is_bound:
        status = 200 if form.is_valid() else 400
        data = {k: v for k, v in getattr(form, "cleaned_data", {}).items() if k not in form.errors}
    starts, ends = period(data)
    report = network_report(
        actor=actor, starts=starts, ends=ends, district=data.get("district") or None
    )
    return form, report, status


def _chart(report: NetworkReport) -> Chart:
    """Verifications by party kind, one bar part per answer."""
    kinds = [k for k in RelyingPartyKind.values if any(r.kind == k for r in report.rows)]
    labels = dict(RelyingPartyKind.choices)
    answers = dict(CardStatus.choices)
    return Chart(
        chart_id="chart-traffic",
        kind=ChartKind.STACKED_BAR,
        title=_("Verifications by kind of party"),
        categories=[str(labels[k]) for k in kinds],
        series=[
            (
                str(answers.get(a, a)),
                [sum(r.answers.get(a, 0) for r in report.rows if r.kind == k) for k in kinds],
            )
            for a in report.answers
        ],
        unit=pgettext("unit", "verifications"),
        category_label=_("Kind"),
    )


@actor_required(*READERS)
def traffic_page(request: HttpRequest) -> HttpResponse:
    """Verification traffic by party kind and district, and the network against the notice."""
    try:
        form, report, status = _filtered(request)
    except ApplicationError as error:
        return error_page(request, error)
    english = english_page()
    regions = names_of(Kind.REGION, (r.district for r in report.rows), english=english)
    kinds = dict(RelyingPartyKind.choices)
    answers = dict(CardStatus.choices)
    context = {
        "form": form,
        "report": report,
        "chart": _chart(report),
        "answers": [(a, answers.get(a, a)) for a in report.answers],
        "rows": [
            (
                kinds.get(r.kind, r.kind),
                regions.get(r.district, r.district) or _("Not recorded"),
                [r.answers.get(a, 0) for a in report.answers],
                r.total,
            )
            for r in report.rows
        ],
        "parts": [(part_label(p, english=english), p) for p in report.parts],
    }
    return render(request, "reports/verification_traffic.html", context, status=status)


@actor_required(*READERS)
def traffic_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse | HttpResponse:
    """The page's two tables as XLSX or CSV: traffic by kind, district and answer; then the
    network's parts, registered and live, against the notice's figures."""
    try:
        form, report, _status = _filtered(request)
    except ApplicationError as error:
        return error_page(request, error)
    english = english_page()
    regions = names_of(Kind.REGION, (r.district for r in report.rows), english=english)
    chosen = form.cleaned_data.get("district") if form.is_bound and form.is_valid() else None
    district_words = (
        [(_("District"), names_of(Kind.REGION, [chosen], english=english).get(chosen, chosen))]
        if chosen
        else []
    )
    kinds = dict(RelyingPartyKind.choices)
    answers = dict(CardStatus.choices)

    def rows() -> Iterator[list[Cell]]:
        traffic = _("Verification traffic")
        for row in report.rows:
            for answer in report.answers:
                count = row.answers.get(answer, 0)
                if count:
                    yield [
                        traffic,
                        str(kinds.get(row.kind, row.kind)),
                        row.kind,
                        regions.get(row.district, row.district),
                        row.district,
                        str(answers.get(answer, answer)),
                        answer,
                        count,
                        None,
                        None,
                    ]
        network = _("The network against the notice")
        for part in report.parts:
            yield [
                network,
                part_label(part, english=english),
                part.kind,
                "",
                "",
                "",
                "",
                part.registered,
                part.live,
                part.at_least,
            ]

    table = ExportTable(
        title=_("Verification traffic"),
        file_stem=f"verification-traffic-{report.starts.isoformat()}-{report.ends.isoformat()}",
        columns=[
            Column(_("Table"), 26),
            *coded(_("Kind"), width=24),
            *coded(_("District"), width=20),
            *coded(_("Answer"), width=24),
            Column(_("Count"), 10),
            Column(_("Live in the period"), 12),
            Column(_("The notice names at least"), 14),
        ],
        rows=rows(),
        filters=[
            (_("From"), report.starts.isoformat()),
            (_("To"), report.ends.isoformat()),
            *district_words,
        ],
    )
    return export_response(request, table, fmt)

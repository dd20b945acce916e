"""The bureau's campaign page: the pack in force, its phases on a timeline, who is eligible;
and the schools page, where the education side records each school's notice (SH-09)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from sscard.campaigns.choices import SkipReason
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.forms import (
    DayForm,
    OutreachForm,
    PutInForceForm,
    SchoolFilterForm,
    SchoolNoticeForm,
)
from sscard.campaigns.models import OutreachRound
from sscard.campaigns.selectors import (
    OutreachFilter,
    OutreachPreview,
    SchoolNoticeRules,
    WeekCount,
    campaign_applications_by_week,
    campaign_eligibility,
    campaign_history,
    campaign_in_force,
    campaign_pack,
    outreach_conversion,
    outreach_preview,
    outreach_round_get,
    outreach_round_target_text,
    outreach_rounds,
    outreach_target,
    pack_in_force_or_none,
)
from sscard.campaigns.services import (
    OUTREACH_JOB,
    ROUND_OBJECT,
    campaign_put_in_force,
    campaign_withdraw,
    outreach_resume_refusal,
    outreach_round_resume,
    outreach_round_start,
    school_notify,
)
from sscard.campaigns.timeline import timeline
from sscard.core.actors import Actor, Role
from sscard.core.charts import Chart, ChartKind
from sscard.core.clock import today
from sscard.core.confirm import ConfirmStep, confirmed
from sscard.core.errors import ApplicationError
from sscard.core.exports import Cell, Column, ExportTable, coded, export_response, form_filters
from sscard.core.jobs import job_latest
from sscard.core.request_errors import RequestErrorCode
from sscard.core.views import actor_required, english_page, error_page, request_actor
from sscard.kernel.regions import city_of
from sscard.policy import Pack, PackError, builtin_pack, load_pack
from sscard.registry.choices import SchoolKind
from sscard.registry.models import School
from sscard.registry.selectors import (
    division_districts,
    division_names,
    employer_pick,
    school_list,
)

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


@dataclass(frozen=True, slots=True)
class CountRow:
    """One district's eligible persons, each counted once, and each group's own count.

    Groups overlap, so the cells do not add up to ``people``; the page says so.
    """

    district: str
    cells: list[int]
    people: int


@actor_required(*OFFICERS)
def campaign_overview(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = PutInForceForm() if actor.role is Role.CITY_OFFICER else None
    return render(request, "campaigns/overview.html", _overview_context(request, form))


def _overview_context(request: HttpRequest, form: PutInForceForm | None) -> dict[str, object]:
    """The packs in force with their timelines and counts, the history, and the form."""
    actor = request_actor(request)
    english = english_page()
    day_form = DayForm(request.GET or None)
    day = (day_form.cleaned_data.get("on") if day_form.is_valid() else None) or today()
    history = list(campaign_history(actor=actor)[:50])
    cities = sorted({c.city_code for c in history if c.status == "in_force"})
    panels = []
    for city in cities:
        campaign = campaign_in_force(city_code=city)
        if campaign is None:
            continue
        pack = campaign_pack(campaign)
        figures = campaign_eligibility(actor=actor, pack=pack, day=day)
        groups = [pack.group(g) for g in figures.groups]
        names = division_names(set(figures.by_district), english=english)
        rows = [
            CountRow(
                district=names.get(code, code),
                cells=[row.get(g.id, 0) for g in groups],
                people=figures.people_by_district.get(code, 0),
            )
            for code, row in sorted(figures.by_district.items())
        ]
        peak = max((max(r.cells, default=0) for r in rows), default=0) or 1
        weeks = campaign_applications_by_week(actor=actor, campaign=campaign, pack=pack, day=day)
        panels.append(
            {
                "campaign": campaign,
                "pack": pack,
                "timeline": timeline(pack, today=day, english=english),
                "groups": [g.title_en if english else g.title_zh for g in groups],
                "rows": rows,
                "peak": peak,
                "total": figures.people,
                "phases_now": pack.phases_on(day),
                "weekly": _weekly_chart(campaign.pk, weeks),
            }
        )
    return {
        "panels": panels,
        "history": history,
        "day": day,
        "day_form": day_form,
        "form": form,
    }


def _weekly_chart(campaign_id: int, weeks: list[WeekCount]) -> Chart:
    """Applications per week up to the chosen day, as a small bar chart and its table."""
    return Chart(
        chart_id=f"chart-weekly-{campaign_id}",
        kind=ChartKind.BAR,
        title=_("Applications per week"),
        categories=[w.starts.isoformat() for w in weeks],
        series=[(_("Applications"), [w.count for w in weeks])],
        unit=pgettext("unit", "applications"),
        category_label=_("Week starting"),
    )


def _pack_problems(error: ApplicationError | PackError) -> list[dict[str, object]]:
    """Every error of a refused pack, located (line of the YAML text, key path), in the
    page's language; one entry for a refusal that is not about the pack's text."""
    english = english_page()
    details = error.details or {}
    listed = details.get("errors")
    if isinstance(listed, list) and listed:
        return [
            {
                "line": item.get("line"),
                "path": item.get("path", ""),
                "message": item.get("message_en" if english else "message_zh", ""),
            }
            for item in listed
            if isinstance(item, dict)
        ]
    return [
        {
            "line": details.get("line"),
            "path": "",
            "message": error.message_en if english else error.message_zh,
        }
    ]


def _pack_refused(
    request: HttpRequest, form: PutInForceForm, error: ApplicationError | PackError | None
) -> HttpResponse:
    """The campaign page again, with why the pack was refused and the choice kept (400)."""
    context = _overview_context(request, form)
    context["pack_errors"] = _pack_problems(error) if error is not None else []
    return render(request, "campaigns/overview.html", context, status=400)


@require_POST
@actor_required(Role.CITY_OFFICER)
def campaign_put_in_force_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = PutInForceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _pack_refused(request, form, None)  # the form says why
    try:
        upload = form.cleaned_data.get("pack_file")
        if upload is not None:
            pack = load_pack(upload.read(2 * 1024 * 1024).decode("utf-8", errors="strict"))
        else:
            pack = builtin_pack(form.cleaned_data["pack_id"])
        campaign = campaign_put_in_force(actor=actor, pack=pack)
    except PackError as exc:
        return _pack_refused(request, form, exc)
    except UnicodeDecodeError:
        return _pack_refused(request, form, CampaignErrorCode.PACK_FILE_NOT_UTF8.error())
    except ApplicationError as exc:
        if exc.code == "permission_denied":
            return error_page(request, exc)
        return _pack_refused(request, form, exc)
    messages.success(request, _("“%(title)s” is now in force.") % {"title": campaign.title})
    return HttpResponseRedirect(reverse("campaigns:overview"))


@require_POST
@actor_required(Role.CITY_OFFICER)
def campaign_withdraw_view(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        campaign = campaign_withdraw(actor=request_actor(request), campaign_id=campaign_id)
    except ApplicationError as exc:
        return error_page(request, exc)
    messages.success(request, _("“%(title)s” was withdrawn.") % {"title": campaign.title})
    return HttpResponseRedirect(reverse("campaigns:overview"))


SCHOOL_PAGE_SIZE = 50


def _schools_filtered(
    request: HttpRequest,
) -> tuple[SchoolFilterForm, list[tuple[str, str]], QuerySet[School]]:
    """The page's filter, its districts by name, and the schools it selects (the list and its
    export share them)."""
    actor = request_actor(request)
    english = english_page()
    districts = list(division_districts(actor=actor))
    named = [(d.code, d.name_en if english else d.name_zh) for d in districts]
    form = SchoolFilterForm(request.GET or None, districts=named)
    district = (form.cleaned_data.get("district") if form.is_valid() else None) or None
    return form, named, school_list(actor=actor, district=district)


@actor_required(*OFFICERS)
def school_list_page(request: HttpRequest) -> HttpResponse:
    """Schools in the officer's area with each one's notice; record one, or a district's."""
    actor = request_actor(request)
    form, named, schools = _schools_filtered(request)
    page = Paginator(schools, SCHOOL_PAGE_SIZE).get_page(request.GET.get("page"))
    rules = SchoolNoticeRules(actor)
    kinds = dict(SchoolKind.choices)
    names = dict(named)
    rows = [
        {
            "school": school,
            "district": names.get(school.district, school.district),
            "kind": kinds.get(school.kind, school.kind),
            "may_notify": rules.allows(
                district=school.district, already_notified=school.notified_on is not None
            ),
        }
        for school in page
    ]
    # A district's batch is offered where the same rule would accept it for that district.
    batch_districts = [(code, name) for code, name in named if rules.allows(district=code)]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "campaigns/schools.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "batch_districts": batch_districts,
            "today": today(),
            "query": query.urlencode(),
        },
    )


def _school_rows(schools: QuerySet[School], districts: dict[str, str]) -> Iterator[Sequence[Cell]]:
    kinds = dict(SchoolKind.choices)
    for school in schools.iterator(chunk_size=2000):
        yield (
            school.name,
            school.code,
            districts.get(school.district, school.district),
            school.district,
            str(kinds.get(school.kind, school.kind)),
            school.kind,
            school.notified_on,
        )


@actor_required(*OFFICERS)
def school_export(request: HttpRequest, fmt: str) -> StreamingHttpResponse:
    """The schools the page lists, with its district filter, as XLSX or CSV."""
    form, named, schools = _schools_filtered(request)
    table = ExportTable(
        title=_("Schools and their notices"),
        file_stem="schools",
        columns=[
            Column(_("School"), 30),
            Column(_("School code"), 14),
            *coded(_("District"), width=20),
            *coded(_("Kind")),
            Column(_("Notified on"), 12),
        ],
        rows=_school_rows(schools, dict(named)),
        filters=form_filters(form) if form.is_valid() else [],  # as the list
    )
    return export_response(request, table, fmt)


@require_POST
@actor_required(*OFFICERS)
def school_notify_view(request: HttpRequest) -> HttpResponse:
    form = SchoolNoticeForm(request.POST)
    if not form.is_valid():
        return error_page(
            request,
            RequestErrorCode.INVALID_INPUT.error(fields=list(form.errors)),
        )
    data = form.cleaned_data
    try:
        notice = school_notify(
            actor=request_actor(request),
            notified_on=data["notified_on"],
            school_code=data.get("school_code") or None,
            district_code=data.get("district_code") or None,
        )
    except ApplicationError as exc:
        return error_page(request, exc)
    messages.success(
        request,
        _(
            "Notice of %(day)s recorded for %(schools)s school(s); %(texts)s text(s) to parents "
            "queued."
        )
        % {
            "day": notice.notified_on.isoformat(),
            "schools": len(notice.school_codes),
            "texts": notice.messages,
        },
    )
    return HttpResponseRedirect(reverse("campaigns:schools"))


# --------------------------------------------------------------------------------------------
# Reminder rounds (issue 14 point 1)
# --------------------------------------------------------------------------------------------

ROUND_LIST = 50


def _outreach_form(request: HttpRequest, data: Any) -> tuple[OutreachForm, Pack | None]:
    """The round's form with the names the actor may choose among: the pack in force's
    groups, the districts in scope (a district officer's own only)."""
    actor = request_actor(request)
    english = english_page()
    in_force = pack_in_force_or_none(_outreach_city_of(actor))
    pack = in_force.pack if in_force is not None else None
    groups = (
        [(g.id, g.title_en if english else g.title_zh) for g in pack.groups.values()
         if g.subject == "person"]
        if pack is not None
        else []
    )  # fmt: skip
    districts = [
        (d.code, d.name_en if english else d.name_zh) for d in division_districts(actor=actor)
    ]
    form = OutreachForm(
        data,
        groups=groups,
        districts=districts,
        all_districts=actor.role is not Role.DISTRICT_OFFICER,
    )
    return form, pack


def _outreach_city_of(actor: Actor) -> str:
    if actor.role is Role.DISTRICT_OFFICER:
        return city_of(actor.district_code or "")
    return actor.city_code or ""


def _filter_of(form: OutreachForm) -> OutreachFilter:
    data = form.cleaned_data
    return OutreachFilter(
        group=data.get("group") or "",
        district_code=data.get("district_code") or "",
        employer_id=data.get("employer"),
        age_min=data.get("age_min"),
        age_max=data.get("age_max"),
    )


def _round_rows(request: HttpRequest, rounds: list[OutreachRound]) -> list[dict[str, object]]:
    english = english_page()
    conversion = outreach_conversion(r.pk for r in rounds)
    return [
        {
            "round": r,
            "target": outreach_round_target_text(r, english=english),
            "conversion": conversion[r.pk],
        }
        for r in rounds
    ]


def _skip_rows(skipped: dict[str, Any]) -> list[tuple[str, int]]:
    return [(str(reason.label), int(skipped.get(reason.value, 0))) for reason in SkipReason]


def _outreach_render(
    request: HttpRequest,
    form: OutreachForm,
    pack: Pack | None,
    *,
    preview: OutreachPreview | None = None,
    refusal: ApplicationError | None = None,
    confirm: ConfirmStep | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    text = (form.data.get("employer_q") or "").strip() if form.is_bound else ""
    employers = employer_pick(actor=actor, text=text) if text else []
    rounds = list(outreach_rounds(actor=actor)[:ROUND_LIST])
    context = {
        "form": form,
        "pack": pack,
        "outreach": pack.outreach if pack is not None else None,
        "employers": employers,
        "employer_q": text,
        "preview": preview,
        "skips": _skip_rows(preview.skipped) if preview is not None else [],
        "refusal": (refusal.message_en if english else refusal.message_zh) if refusal else "",
        "confirm": confirm,
        "rows": _round_rows(request, rounds),
        "query": request.GET.urlencode(),
    }
    return render(request, "campaigns/outreach.html", context, status=status)


@actor_required(*OFFICERS)
def outreach_page(request: HttpRequest) -> HttpResponse:
    """Choose whom to remind, preview how many (and who is skipped, why), then send; the
    rounds sent, with their progress and conversion."""
    actor = request_actor(request)
    form, pack = _outreach_form(request, request.GET or None)
    if "preview" not in request.GET:
        return _outreach_render(request, form, pack)
    if not form.is_valid():
        return _outreach_render(request, form, pack, status=400)
    try:
        target = outreach_target(actor=actor, filters=_filter_of(form), day=today())
    except ApplicationError as error:
        return _outreach_render(request, form, pack, refusal=error, status=error.status)
    return _outreach_render(request, form, pack, preview=outreach_preview(target))


@require_POST
@actor_required(*OFFICERS)
def outreach_send_view(request: HttpRequest) -> HttpResponse:
    """Send the round previewed: first the question (no JavaScript needed), then the round."""
    actor = request_actor(request)
    form, pack = _outreach_form(request, request.POST)
    if not form.is_valid():
        return _outreach_render(request, form, pack, status=400)
    filters = _filter_of(form)
    if not confirmed(request):
        try:
            preview = outreach_preview(outreach_target(actor=actor, filters=filters, day=today()))
        except ApplicationError as error:
            return _outreach_render(request, form, pack, refusal=error, status=error.status)
        fields = tuple(
            (name, str(value))
            for name in ("group", "district_code", "employer", "age_min", "age_max")
            if (value := form.cleaned_data.get(name)) not in (None, "")
        )
        step = ConfirmStep(
            action="outreach-send",
            question=_("Text a reminder to %(n)s people? This cannot be taken back.")
            % {"n": preview.to_remind},
            button=_("Send the reminders"),
            url=reverse("campaigns:outreach_send"),
            target="",
            back_url=reverse("campaigns:outreach"),
            fields=fields,
        )
        return _outreach_render(request, form, pack, preview=preview, confirm=step)
    try:
        round_ = outreach_round_start(actor=actor, filters=filters)
    except ApplicationError as error:
        return _outreach_render(request, form, pack, refusal=error, status=error.status)
    messages.success(
        request, _("The round was started: %(n)s people to remind.") % {"n": round_.previewed}
    )
    return HttpResponseRedirect(reverse("campaigns:outreach_round", args=[round_.pk]))


@actor_required(*OFFICERS)
def outreach_round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """One round: whom it aimed at, how far it has got, who was skipped and why, and how many
    of those reminded have applied since."""
    actor = request_actor(request)
    try:
        round_ = outreach_round_get(actor=actor, round_id=round_id)
    except ApplicationError as error:
        return error_page(request, error)
    job = job_latest(kind=OUTREACH_JOB, object_type=ROUND_OBJECT, object_id=round_.pk)
    context = {
        "row": _round_rows(request, [round_])[0],
        "round": round_,
        "skips": _skip_rows(round_.skipped),
        "progress": job.result if job is not None and job.status == "running" else None,
        "may_resume": outreach_resume_refusal(actor=actor, round_=round_) is None,
    }
    return render(request, "campaigns/outreach_round.html", context)


@require_POST
@actor_required(*OFFICERS)
def outreach_resume_view(request: HttpRequest, round_id: int) -> HttpResponse:
    try:
        round_ = outreach_round_resume(actor=request_actor(request), round_id=round_id)
    except ApplicationError as error:
        return error_page(request, error)
    messages.success(request, _("The round goes on from where it stopped."))
    return HttpResponseRedirect(reverse("campaigns:outreach_round", args=[round_.pk]))

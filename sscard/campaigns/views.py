"""The bureau's campaign page: the pack in force, its phases on a timeline, who is eligible."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sscard.campaigns.forms import DayForm, PutInForceForm
from sscard.campaigns.selectors import campaign_history, campaign_in_force, campaign_pack
from sscard.campaigns.services import campaign_put_in_force, campaign_withdraw
from sscard.campaigns.timeline import timeline
from sscard.core.actors import Role
from sscard.core.errors import ApplicationError
from sscard.core.views import actor_required, english_page, error_page, request_actor
from sscard.policy import PackError, builtin_pack, load_pack
from sscard.registry.eligibility import eligible_counts
from sscard.registry.selectors import division_names

OFFICERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


@dataclass(frozen=True, slots=True)
class CountRow:
    """One district's eligible counts, one cell per group."""

    district: str
    cells: list[int]

    @property
    def total(self) -> int:
        return sum(self.cells)


@actor_required(*OFFICERS)
def campaign_overview(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    english = english_page()
    day_form = DayForm(request.GET or None)
    day = (day_form.cleaned_data.get("on") if day_form.is_valid() else None) or (
        timezone.localdate()
    )
    history = list(campaign_history(actor=actor)[:50])
    cities = sorted({c.city_code for c in history if c.status == "in_force"})
    panels = []
    for city in cities:
        campaign = campaign_in_force(city_code=city)
        if campaign is None:
            continue
        pack = campaign_pack(campaign)
        counts = eligible_counts(pack, today=day)
        if actor.role is Role.DISTRICT_OFFICER:
            counts = {d: n for d, n in counts.items() if d == actor.district_code}
        # Groups a rule in force on the day allows something for; deny-only groups (outsiders,
        # waves not yet open) are not a workload.
        allowed = {
            g for phase in pack.phases_on(day) for rule in phase.rules if rule.effect == "allow"
            for g in rule.groups
        }  # fmt: skip
        groups = [g for g in pack.groups.values() if g.id in allowed and g.subject == "person"]
        names = division_names(set(counts), english=english)
        rows = [
            CountRow(
                district=names.get(code, code),
                cells=[row.get(g.id, 0) for g in groups],
            )
            for code, row in sorted(counts.items())
        ]
        rows = [r for r in rows if r.total]
        peak = max((max(r.cells, default=0) for r in rows), default=0) or 1
        panels.append(
            {
                "campaign": campaign,
                "pack": pack,
                "timeline": timeline(pack, today=day, english=english),
                "groups": [g.title_en if english else g.title_zh for g in groups],
                "rows": rows,
                "peak": peak,
                "total": sum(r.total for r in rows),
                "phases_now": pack.phases_on(day),
            }
        )
    context = {
        "panels": panels,
        "history": history,
        "day": day,
        "day_form": day_form,
        "form": PutInForceForm() if actor.role is Role.CITY_OFFICER else None,
    }
    return render(request, "campaigns/overview.html", context)


@require_POST
@actor_required(Role.CITY_OFFICER)
def campaign_put_in_force_view(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = PutInForceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return HttpResponseRedirect(reverse("campaigns:overview"))
    try:
        upload = form.cleaned_data.get("pack_file")
        if upload is not None:
            pack = load_pack(upload.read(2 * 1024 * 1024).decode("utf-8", errors="strict"))
        else:
            pack = builtin_pack(form.cleaned_data["pack_id"])
        campaign = campaign_put_in_force(actor=actor, pack=pack)
    except PackError as exc:
        return error_page(request, ApplicationError.from_coded(exc))
    except UnicodeDecodeError:
        return error_page(
            request,
            ApplicationError(
                "pack_yaml_invalid",
                "政策包文件须为 UTF-8 编码的 YAML。",
                "A pack file must be UTF-8 YAML.",
            ),
        )
    except ApplicationError as exc:
        return error_page(request, exc)
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

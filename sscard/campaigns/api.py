"""API operations of campaigns: what is in force, putting a pack into force, decisions, who is
eligible, and the schools' notices."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from datetime import date
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Status

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.models import Campaign, OutreachRound
from sscard.campaigns.schemas import (
    CampaignOut,
    DecisionIn,
    DecisionOut,
    DistrictFigureOut,
    EligibilityOut,
    GroupFigureOut,
    OutreachFilterIn,
    OutreachPreviewOut,
    OutreachRoundOut,
    PutInForceIn,
    SchoolNoticeIn,
    SchoolNoticeOut,
    SchoolOut,
    SchoolPageOut,
)
from sscard.campaigns.selectors import (
    OutreachFilter,
    SchoolNoticeRules,
    campaign_eligibility,
    campaign_history,
    campaign_pack,
    decision_for_person,
    outreach_conversion,
    outreach_preview,
    outreach_round_get,
    outreach_round_target_text,
    outreach_rounds,
    outreach_target,
)
from sscard.campaigns.services import (
    SchoolNotice,
    campaign_put_in_force,
    outreach_resume_refusal,
    outreach_round_resume,
    outreach_round_start,
    school_notify,
)
from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.core.pagination import MAX_PAGE
from sscard.core.schemas import ERRORS
from sscard.core.views import english_page, request_actor
from sscard.policy import DecisionRequest, PackError, builtin_pack
from sscard.registry.selectors import division_names, person_find_by_id_number, school_list

router = Router(tags=["campaigns"])


@router.get("/campaigns", response={200: list[CampaignOut], **ERRORS})
def campaigns_list(request: HttpRequest) -> list[Campaign]:
    """The campaigns of the caller's city, newest first (bureau officers)."""
    return list(campaign_history(actor=request_actor(request))[:100])


@router.post("/campaigns", response={201: CampaignOut, **ERRORS})
def campaigns_put_in_force(request: HttpRequest, body: PutInForceIn) -> Status[Campaign]:
    """Put a shipped pack into force for its city (city officers); the same pack: no change."""
    try:
        pack = builtin_pack(body.pack_id)
    except PackError as exc:
        raise ApplicationError.from_coded(exc, status=404) from exc
    return Status(201, campaign_put_in_force(actor=request_actor(request), pack=pack))


@router.post("/decisions", response={200: DecisionOut, **ERRORS})
def decisions_make(request: HttpRequest, body: DecisionIn) -> dict[str, object]:
    """What the policy in force answers for one person, a channel, an action and a day."""
    actor = request_actor(request)
    person = person_find_by_id_number(actor=actor, id_number=body.id_number)
    decision = decision_for_person(
        person=person,
        request=DecisionRequest(
            action=body.action,  # type: ignore[arg-type]  # the engine answers any text
            channel=body.channel,
            day=body.day,
            bank=body.bank,
            pickup=body.pickup,
        ),
    )
    if decision is None:
        raise CampaignErrorCode.NO_CAMPAIGN_IN_FORCE.error()
    return decision.as_dict()


@router.get("/campaigns/eligibility", response={200: list[EligibilityOut], **ERRORS})
def campaigns_eligibility(request: HttpRequest, on: date | None = None) -> list[EligibilityOut]:
    """Who each campaign in force reaches on a day (default today), by district (officers).

    ``people`` counts each person once; a group's own figure (``in_group``) counts its members,
    and since groups overlap those figures do not add up to ``people``.
    """
    actor = request_actor(request)
    day = on or today()
    english = english_page()
    out: list[EligibilityOut] = []
    for campaign in campaign_history(actor=actor).filter(status=CampaignStatus.IN_FORCE):
        pack = campaign_pack(campaign)
        figures = campaign_eligibility(actor=actor, pack=pack, day=day)
        names = division_names(set(figures.by_district), english=english)
        out.append(
            EligibilityOut(
                campaign_id=campaign.pk,
                city_code=campaign.city_code,
                pack_id=campaign.pack_id,
                day=day,
                people=figures.people,
                groups=[
                    GroupFigureOut(
                        id=g,
                        title_zh=pack.group(g).title_zh,
                        title_en=pack.group(g).title_en,
                        in_group=figures.in_group(g),
                    )
                    for g in figures.groups
                ],
                districts=[
                    DistrictFigureOut(
                        district=code,
                        name=names.get(code, code),
                        people=figures.people_by_district.get(code, 0),
                        in_group=row,
                    )
                    for code, row in sorted(figures.by_district.items())
                ],
            )
        )
    return out


SCHOOL_PAGE_SIZE = 100


@router.get("/schools", response={200: SchoolPageOut, **ERRORS})
def schools_list(
    request: HttpRequest,
    district: str | None = None,
    notified: bool | None = None,
    page: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 1,
) -> SchoolPageOut:
    """Schools in the caller's area with the day of each one's notice (SH-09), 100 a page."""
    actor = request_actor(request)
    schools = school_list(actor=actor, district=district, notified=notified)
    start = (max(page, 1) - 1) * SCHOOL_PAGE_SIZE
    rules = SchoolNoticeRules(actor)
    return SchoolPageOut(
        count=schools.count(),
        items=[
            SchoolOut(
                code=s.code,
                name=s.name,
                district=s.district,
                kind=s.kind,
                notified_on=s.notified_on,
                pupils=s.pupil_count,  # type: ignore[attr-defined]  # annotated by the selector
                may_notify=rules.allows(
                    district=s.district, already_notified=s.notified_on is not None
                ),
            )
            for s in schools[start : start + SCHOOL_PAGE_SIZE]
        ],
    )


@router.post("/schools/notices", response={201: SchoolNoticeOut, **ERRORS})
def schools_notify(request: HttpRequest, body: SchoolNoticeIn) -> Status[SchoolNotice]:
    """Record the notice of one school or of every school of a district not yet notified
    (分区分批); the pupils' parents are texted the pack's ``school_notice``."""
    notice = school_notify(
        actor=request_actor(request),
        notified_on=body.notified_on,
        school_code=body.school_code,
        district_code=body.district_code,
    )
    return Status(201, notice)


# --- Reminder rounds (issue 14 point 1) -------------------------------------------------------


def _filter(body: OutreachFilterIn) -> OutreachFilter:
    return OutreachFilter(
        group=body.group,
        district_code=body.district_code,
        employer_id=body.employer_id,
        age_min=body.age_min,
        age_max=body.age_max,
    )


def _rounds_out(request: HttpRequest, rounds: list[OutreachRound]) -> list[OutreachRoundOut]:
    actor = request_actor(request)
    english = english_page()
    conversion = outreach_conversion(r.pk for r in rounds)
    return [
        OutreachRoundOut(
            id=r.pk,
            kind=r.kind,
            kind_name=str(r.get_kind_display()),
            status=r.status,
            status_name=str(r.get_status_display()),
            day=r.day,
            target=outreach_round_target_text(r, english=english),
            filters=dict(r.filters),
            previewed=r.previewed,
            selected=r.selected,
            sent=r.sent,
            skipped={k: int(v) for k, v in r.skipped.items()},
            releases_from=r.releases_from,
            releases_until=r.releases_until,
            created_by=r.created_by,
            reminded=conversion[r.pk].reminded,
            applied_since=conversion[r.pk].applied,
            conversion=conversion[r.pk].rate,
            may_resume=outreach_resume_refusal(actor=actor, round_=r) is None,
        )
        for r in rounds
    ]


@router.post("/outreach/preview", response={200: OutreachPreviewOut, **ERRORS})
def outreach_preview_api(request: HttpRequest, body: OutreachFilterIn) -> OutreachPreviewOut:
    """How many eligible people who have not applied a round would select, remind and skip
    (asked for none, no phone, at the pack's most, reminded too recently); nothing is sent."""
    target = outreach_target(actor=request_actor(request), filters=_filter(body), day=today())
    preview = outreach_preview(target)
    return OutreachPreviewOut(
        selected=preview.selected, to_remind=preview.to_remind, skipped=preview.skipped
    )


@router.post("/outreach/rounds", response={201: OutreachRoundOut, **ERRORS})
def outreach_rounds_send(request: HttpRequest, body: OutreachFilterIn) -> Status[OutreachRoundOut]:
    """Send a round of reminders (the pack's text, no link), released at the pack's rate by
    a background job; the round answers at once with its status."""
    round_ = outreach_round_start(actor=request_actor(request), filters=_filter(body))
    return Status(201, _rounds_out(request, [round_])[0])


@router.get("/outreach/rounds", response={200: list[OutreachRoundOut], **ERRORS})
def outreach_rounds_list(request: HttpRequest) -> list[OutreachRoundOut]:
    """The rounds the caller may see, newest first (100 at most), with each one's conversion:
    of those reminded, how many have applied since."""
    rounds = list(outreach_rounds(actor=request_actor(request))[:100])
    return _rounds_out(request, rounds)


@router.get("/outreach/rounds/{round_id}", response={200: OutreachRoundOut, **ERRORS})
def outreach_round_detail(request: HttpRequest, round_id: int) -> OutreachRoundOut:
    round_ = outreach_round_get(actor=request_actor(request), round_id=round_id)
    return _rounds_out(request, [round_])[0]


@router.post("/outreach/rounds/{round_id}/resume", response={200: OutreachRoundOut, **ERRORS})
def outreach_round_resume_api(request: HttpRequest, round_id: int) -> OutreachRoundOut:
    """Send the rest of a round that stopped part-way, from its checkpoint."""
    round_ = outreach_round_resume(actor=request_actor(request), round_id=round_id)
    return _rounds_out(request, [round_])[0]

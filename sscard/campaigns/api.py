"""API operations of campaigns: what is in force, putting a pack into force, decisions, who is
eligible, and the schools' notices."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from datetime import date
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Status

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.errors import CampaignErrorCode
from sscard.campaigns.models import Campaign
from sscard.campaigns.schemas import (
    CampaignOut,
    DecisionIn,
    DecisionOut,
    DistrictFigureOut,
    EligibilityOut,
    GroupFigureOut,
    PutInForceIn,
    SchoolNoticeIn,
    SchoolNoticeOut,
    SchoolOut,
    SchoolPageOut,
)
from sscard.campaigns.selectors import (
    SchoolNoticeRules,
    campaign_eligibility,
    campaign_history,
    campaign_pack,
    decision_for_person,
)
from sscard.campaigns.services import SchoolNotice, campaign_put_in_force, school_notify
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

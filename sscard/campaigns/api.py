"""API operations of campaigns: what is in force, putting a pack into force, decisions."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from django.http import HttpRequest
from ninja import Router, Status

from sscard.campaigns.models import Campaign
from sscard.campaigns.schemas import CampaignOut, DecisionIn, DecisionOut, PutInForceIn
from sscard.campaigns.selectors import campaign_history, decision_for_person
from sscard.campaigns.services import campaign_put_in_force
from sscard.core.errors import ApplicationError
from sscard.core.schemas import ERRORS
from sscard.core.views import request_actor
from sscard.policy import DecisionRequest, PackError, builtin_pack
from sscard.registry.selectors import person_find_by_id_number

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
        raise ApplicationError(
            "no_campaign_in_force",
            "该人员所在城市没有正在实施的换发政策。",
            "No policy pack is in force for this person's city.",
            status=409,
        )
    return decision.as_dict()

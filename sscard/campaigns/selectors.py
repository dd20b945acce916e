"""Reads of campaigns: what is in force, its pack, the history, and decisions for a person."""

from __future__ import annotations

from functools import lru_cache

from django.db.models import QuerySet

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.models import Campaign
from sscard.core.actors import Actor, Role
from sscard.core.errors import PermissionDenied
from sscard.policy import Decision, DecisionRequest, Pack, decide, load_pack
from sscard.registry.eligibility import person_facts
from sscard.registry.models import Person

READERS = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM)


@lru_cache(maxsize=32)
def _pack_from_source(pack_hash: str, source_text: str) -> Pack:
    return load_pack(source_text)


def campaign_pack(campaign: Campaign) -> Pack:
    """The pack exactly as it was put in force (parsed once per process)."""
    return _pack_from_source(campaign.pack_hash, campaign.source_text)


def campaign_in_force(*, city_code: str) -> Campaign | None:
    return Campaign.objects.filter(city_code=city_code, status=CampaignStatus.IN_FORCE).first()


def campaign_history(*, actor: Actor, city_code: str | None = None) -> QuerySet[Campaign]:
    """Every campaign the actor's bureau may see, newest first."""
    if actor.role not in READERS:
        raise PermissionDenied("see campaigns", "查看换发工作")
    campaigns = Campaign.objects.all()
    city = actor.city_code or city_code
    if city:
        campaigns = campaigns.filter(city_code=city)
    return campaigns


def city_of(person: Person) -> str:
    """The city whose campaign applies: where the person is insured, else their hukou city."""
    region = person.insured_region or person.hukou_region
    return region[:2] + "0000" if region else ""


def decision_for_person(*, person: Person, request: DecisionRequest) -> Decision | None:
    """Ask the pack in force for the person's city; None when no campaign is in force there."""
    campaign = campaign_in_force(city_code=city_of(person))
    if campaign is None:
        return None
    return decide(campaign_pack(campaign), request, person_facts(person))

"""Put a policy pack into force for a city, or withdraw it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.models import Campaign
from sscard.core.actors import Actor, Role
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import ApplicationError, NotFound, PermissionDenied
from sscard.policy import Pack

MAY_PUT_IN_FORCE = (Role.CITY_OFFICER, Role.SYSTEM)


def _check_city(actor: Actor, city_code: str) -> None:
    if actor.role not in MAY_PUT_IN_FORCE:
        raise PermissionDenied("put a policy pack into force", "发布换发政策")
    if actor.city_code and actor.city_code != city_code:
        raise ApplicationError(
            "campaign_other_city",
            "只能为本市发布换发政策。",
            "You may put packs into force for your own city only.",
            {"city": city_code},
            status=403,
        )


def campaign_put_in_force(*, actor: Actor, pack: Pack) -> Campaign:
    """Put ``pack`` into force for its city, superseding the campaign in force there.

    Putting the very pack that is already in force again changes nothing.
    """
    _check_city(actor, pack.city)
    now = timezone.now()
    with transaction.atomic():
        current = (
            Campaign.objects.select_for_update()
            .filter(city_code=pack.city, status=CampaignStatus.IN_FORCE)
            .first()
        )
        if current is not None and current.pack_hash == pack.content_hash:
            return current
        if current is not None:
            current.status = CampaignStatus.SUPERSEDED
            current.in_force_until = now
            current.ended_by = actor.label
            current.save(update_fields=["status", "in_force_until", "ended_by"])
        campaign = Campaign.objects.create(
            city_code=pack.city,
            pack_id=pack.id,
            pack_hash=pack.content_hash,
            title=pack.title,
            source_text=pack.source_text,
            in_force_from=now,
            put_in_force_by=actor.label,
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="put_in_force",
                object_type="campaigns.campaign",
                object_id=str(campaign.pk),
                changes={
                    "pack": pack.id,
                    "city": pack.city,
                    "supersedes": current.pk if current is not None else None,
                },
                pack_hash=pack.content_hash,
            ),
        )
    return campaign


def campaign_withdraw(*, actor: Actor, campaign_id: int) -> Campaign:
    """End a campaign in force; its city then has no campaign until another is put in force."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if campaign is None:
            raise NotFound("campaign", what_zh="换发工作")
        _check_city(actor, campaign.city_code)
        if campaign.status != CampaignStatus.IN_FORCE:
            raise ApplicationError(
                "campaign_not_in_force",
                "该换发工作已不在实施中。",
                "That campaign is no longer in force.",
                {"status": campaign.status},
                status=409,
            )
        campaign.status = CampaignStatus.WITHDRAWN
        campaign.in_force_until = timezone.now()
        campaign.ended_by = actor.label
        campaign.save(update_fields=["status", "in_force_until", "ended_by"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="withdraw",
                object_type="campaigns.campaign",
                object_id=str(campaign.pk),
                changes={"status": [CampaignStatus.IN_FORCE, CampaignStatus.WITHDRAWN]},
                pack_hash=campaign.pack_hash,
            ),
        )
    return campaign

"""campaign_put_in_force: history, supersession, idempotence, who may."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.models import Campaign
from sscard.campaigns.selectors import campaign_in_force, campaign_pack
from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.policy import builtin_pack

pytestmark = pytest.mark.django_db
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")


def test_putting_a_pack_in_force_keeps_it_exactly_and_audits_its_hash() -> None:
    pack = builtin_pack("beijing-2024")
    campaign = campaign_put_in_force(actor=OFFICER, pack=pack)
    assert campaign_in_force(city_code="110000") == campaign
    assert campaign.source_text == pack.source_text
    assert campaign_pack(campaign).content_hash == pack.content_hash
    event = AuditEvent.objects.get(action="put_in_force")
    assert event.pack_hash == pack.content_hash


def test_the_same_pack_again_changes_nothing() -> None:
    pack = builtin_pack("beijing-2024")
    first = campaign_put_in_force(actor=OFFICER, pack=pack)
    again = campaign_put_in_force(actor=OFFICER, pack=pack)
    assert again == first
    assert Campaign.objects.count() == 1
    assert AuditEvent.objects.filter(action="put_in_force").count() == 1


def test_a_changed_pack_supersedes_the_one_in_force_and_history_remains() -> None:
    pack = builtin_pack("beijing-2024")
    first = campaign_put_in_force(actor=OFFICER, pack=pack)
    changed = pack.source_text.replace(pack.title, pack.title + "（修订）", 1)
    from sscard.policy import load_pack

    second = campaign_put_in_force(actor=OFFICER, pack=load_pack(changed))
    first.refresh_from_db()
    assert (first.status, second.status) == (CampaignStatus.SUPERSEDED, CampaignStatus.IN_FORCE)
    assert first.in_force_until is not None
    assert campaign_in_force(city_code="110000") == second
    assert Campaign.objects.count() == 2


def test_two_campaigns_in_force_for_one_city_are_impossible() -> None:
    campaign_put_in_force(actor=OFFICER, pack=builtin_pack("beijing-2024"))
    clone = Campaign.objects.get()
    clone.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        clone.save()


def test_only_the_city_bureau_puts_packs_in_force_for_its_own_city() -> None:
    district = Actor(role=Role.DISTRICT_OFFICER, label="d", district_code="110102")
    with pytest.raises(ApplicationError) as caught:
        campaign_put_in_force(actor=district, pack=builtin_pack("beijing-2024"))
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as caught:
        campaign_put_in_force(actor=OFFICER, pack=builtin_pack("shanghai-2019"))
    assert caught.value.code == "campaign_other_city"
    assert not Campaign.objects.exists()

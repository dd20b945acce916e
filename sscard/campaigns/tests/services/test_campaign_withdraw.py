"""campaign_withdraw: ends the campaign in force once, audited; only its own city's bureau."""

from __future__ import annotations

import pytest

from sscard.campaigns.choices import CampaignStatus
from sscard.campaigns.selectors import campaign_in_force
from sscard.campaigns.services import campaign_put_in_force, campaign_withdraw
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.policy import builtin_pack

pytestmark = pytest.mark.django_db
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")


def test_withdrawing_ends_the_campaign_once() -> None:
    campaign = campaign_put_in_force(actor=OFFICER, pack=builtin_pack("beijing-2024"))
    campaign_withdraw(actor=OFFICER, campaign_id=campaign.pk)
    assert campaign_in_force(city_code="110000") is None
    with pytest.raises(ApplicationError) as caught:
        campaign_withdraw(actor=OFFICER, campaign_id=campaign.pk)
    assert caught.value.code == "campaign_not_in_force"


def test_the_withdrawal_is_recorded_on_the_campaign_and_audited_with_its_pack() -> None:
    # given Beijing's pack in force
    pack = builtin_pack("beijing-2024")
    campaign = campaign_put_in_force(actor=OFFICER, pack=pack)
    # when the city officer withdraws it
    withdrawn = campaign_withdraw(actor=OFFICER, campaign_id=campaign.pk)
    # then it ends now, by that officer, and the audit trail names the change and the pack
    campaign.refresh_from_db()
    assert withdrawn.status == campaign.status == CampaignStatus.WITHDRAWN
    assert campaign.in_force_until is not None
    assert campaign.ended_by == OFFICER.label
    event = AuditEvent.objects.get(action="withdraw")
    assert event.object_id == str(campaign.pk)
    assert event.changes == {"status": [CampaignStatus.IN_FORCE, CampaignStatus.WITHDRAWN]}
    assert event.pack_hash == pack.content_hash


def test_another_citys_officer_and_other_roles_may_not_withdraw() -> None:
    # given Shanghai's pack in force
    campaign = campaign_put_in_force(actor=Actor.system("t"), pack=builtin_pack("shanghai-2019"))
    district = Actor(role=Role.DISTRICT_OFFICER, label="d", district_code="310101")
    # when Beijing's officer or a district officer withdraws it, then each is refused
    with pytest.raises(ApplicationError) as other_city:
        campaign_withdraw(actor=OFFICER, campaign_id=campaign.pk)
    assert (other_city.value.code, other_city.value.status) == ("campaign_other_city", 403)
    with pytest.raises(ApplicationError) as other_role:
        campaign_withdraw(actor=district, campaign_id=campaign.pk)
    assert other_role.value.code == "permission_denied"
    # and the campaign is still in force, with nothing audited
    assert campaign_in_force(city_code="310000") == campaign
    assert not AuditEvent.objects.filter(action="withdraw").exists()


def test_an_unknown_campaign_is_not_found() -> None:
    with pytest.raises(ApplicationError) as caught:
        campaign_withdraw(actor=OFFICER, campaign_id=999_999)
    assert (caught.value.code, caught.value.status) == ("not_found", 404)

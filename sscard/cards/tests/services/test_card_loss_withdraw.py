"""card_loss_withdraw (SH-18): the standing report ends, the block is lifted — only while no
replacement has been applied for."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.tests.support import centre, holder
from sscard.cards.models import LossReport
from sscard.cards.services import card_loss_withdraw, card_replacement_apply, card_report_loss
from sscard.cards.status import card_status
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.card_life import clerk_of

pytestmark = pytest.mark.django_db
DAY = date(2019, 9, 2)
HOTLINE = Actor(role=Role.CITY_OFFICER, label="hotline")


def test_withdrawing_lifts_the_block_and_a_second_withdrawal_is_refused(held):
    person, lost = held
    card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    report = card_loss_withdraw(actor=holder(person), card=lost, today=DAY)
    assert report.end_reason == "withdrawn"
    lost.refresh_from_db()
    assert (lost.block, card_status(lost, today=DAY)) == ("none", "valid")
    with pytest.raises(ApplicationError) as caught:
        card_loss_withdraw(actor=holder(person), card=lost, today=DAY)
    assert caught.value.code == "loss_not_reported"


def test_a_formal_block_is_lifted_too_and_the_withdrawal_is_audited(held):
    # given a card reported lost formally at a counter
    _person, lost = held
    desk = clerk_of(centre())
    reported = card_report_loss(actor=desk, card=lost, channel="counter", today=DAY, formal=True)
    # when the clerk withdraws the report
    withdrawn = card_loss_withdraw(actor=desk, card=lost, today=DAY)
    # then the report has ended, the card is unblocked and answers valid again
    assert withdrawn.pk == reported.pk
    assert LossReport.objects.get(pk=reported.pk).ended_at is not None
    lost.refresh_from_db()
    assert (lost.block, lost.blocked_until) == ("none", None)
    assert card_status(lost, today=DAY) == "valid"
    # and one audit event names the report and the block lifted
    event = AuditEvent.objects.get(action="card_loss_withdraw")
    assert event.object_id == str(lost.pk)
    assert event.changes == {"report_id": reported.pk, "block": ["formal", "none"]}


def test_after_a_replacement_was_applied_for_the_report_stands(held):
    # given a lost card whose holder applied for a replacement at a community centre
    person, lost = held
    card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=DAY)
    card_replacement_apply(
        actor=clerk_of(centre()),
        card=lost,
        reason="lost",
        channel="community_centre",
        day=DAY,
        backup_centre_id=centre().pk,
    )
    events = AuditEvent.objects.count()
    # when the holder tries to withdraw the loss report
    with pytest.raises(ApplicationError) as caught:
        card_loss_withdraw(actor=holder(person), card=lost, today=DAY)
    # then it is refused, naming the replacement, and the card stays blocked
    assert caught.value.code == "loss_withdraw_after_replacement"
    assert caught.value.details["replacement_id"] is not None
    lost.refresh_from_db()
    assert lost.block == "formal"
    assert AuditEvent.objects.count() == events


def test_a_district_officer_may_not_withdraw_a_report(held):
    person, lost = held
    card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    officer = Actor(role=Role.DISTRICT_OFFICER, label="district", district_code="310104")
    with pytest.raises(ApplicationError) as caught:
        card_loss_withdraw(actor=officer, card=lost, today=DAY)
    assert caught.value.code == "permission_denied"
    lost.refresh_from_db()
    assert lost.block == "temporary"

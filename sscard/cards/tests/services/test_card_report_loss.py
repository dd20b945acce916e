"""card_report_loss (SH-18): blocked at once; temporary by phone or online, lapsing after the
pack's term; formal at the counter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.tests.support import centre, holder, shanghai_person
from sscard.cards.models import LossReport
from sscard.cards.services import card_report_loss
from sscard.cards.status import card_status
from sscard.cards.tests.support import card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.card_life import clerk_of

pytestmark = pytest.mark.django_db
DAY = date(2019, 9, 2)
HOTLINE = Actor(role=Role.CITY_OFFICER, label="hotline")


def test_a_temporary_report_blocks_at_once_and_lapses_after_ten_days(held):
    person, lost = held
    report = card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    lost.refresh_from_db()
    assert (lost.block, lost.blocked_until) == ("temporary", DAY + timedelta(days=10))
    assert card_status(lost, today=DAY) == "blocked_temporary"
    assert card_status(lost, today=DAY + timedelta(days=11)) == "valid"
    assert (report.channel, report.kind, report.reported_by_role) == (
        "online",
        "temporary",
        "cardholder",
    )


def test_after_a_report_lapsed_the_card_can_be_reported_again(held):
    person, lost = held
    first = card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    later = DAY + timedelta(days=20)
    second = card_report_loss(actor=holder(person), card=lost, channel="online", today=later)
    first.refresh_from_db()
    assert (first.ended_at is not None, first.end_reason) == (True, "lapsed")
    assert second.blocked_until == later + timedelta(days=10)


def test_a_formal_report_confirms_a_temporary_one(held):
    _person, lost = held
    temporary = card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=DAY)
    formal = card_report_loss(
        actor=clerk_of(centre()), card=lost, channel="counter", today=DAY, formal=True
    )
    temporary.refresh_from_db()
    assert temporary.end_reason == "confirmed"
    assert (formal.kind, formal.blocked_until) == ("formal", None)
    lost.refresh_from_db()
    assert card_status(lost, today=DAY + timedelta(days=365)) == "blocked_formal"


@pytest.mark.parametrize(
    ("actor", "channel", "formal", "code"),
    [
        ("holder", "phone", False, "permission_denied"),
        ("hotline", "online", False, "permission_denied"),
        ("hotline", "phone", True, "loss_formal_not_here"),
        ("holder", "online", True, "loss_formal_not_here"),
        ("holder", "fax", False, "loss_channel_not_offered"),
    ],
)
def test_a_report_on_the_wrong_channel_is_refused_and_nothing_changes(
    held, actor, channel, formal, code
):
    person, lost = held
    who = holder(person) if actor == "holder" else HOTLINE
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        card_report_loss(actor=who, card=lost, channel=channel, today=DAY, formal=formal)
    assert caught.value.code == code
    lost.refresh_from_db()
    assert lost.block == "none"
    assert (LossReport.objects.count(), AuditEvent.objects.count()) == (0, events)


def test_a_second_report_is_refused(held):
    person, lost = held
    card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    with pytest.raises(ApplicationError) as caught:
        card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=DAY)
    assert caught.value.code == "loss_already_reported"


def test_a_replaced_card_cannot_be_reported(held):
    person, _lost = held
    replaced = card(person, generation=2, ss_function="invalid", bank_code="BOSC")
    with pytest.raises(ApplicationError) as caught:
        card_report_loss(actor=holder(person), card=replaced, channel="online", today=DAY)
    assert caught.value.code == "card_not_reportable"


def test_another_holder_cannot_report_my_card(held):
    _person, lost = held
    stranger = shanghai_person()
    with pytest.raises(ApplicationError) as caught:
        card_report_loss(actor=holder(stranger), card=lost, channel="online", today=DAY)
    assert caught.value.code == "not_found"


def test_the_holder_is_told_by_text_without_a_link(held):
    from sscard.notifications.models import OutboxMessage

    person, lost = held
    card_report_loss(actor=holder(person), card=lost, channel="online", today=DAY)
    message = OutboxMessage.objects.get(template_key="loss_reported")
    assert message.person_id == person.pk
    assert "http" not in message.text


def test_the_report_is_audited_with_the_block_it_set(held):
    # given a card in force, when the hotline takes a temporary report
    _person, lost = held
    report = card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=DAY)
    # then one audit event names the report, its channel and kind, and the block before/after
    event = AuditEvent.objects.get(action="card_report_loss")
    assert event.object_id == str(lost.pk)
    assert event.changes == {
        "report_id": report.pk,
        "channel": "phone",
        "kind": "temporary",
        "block": ["none", "temporary"],
        "blocked_until": (DAY + timedelta(days=10)).isoformat(),
    }

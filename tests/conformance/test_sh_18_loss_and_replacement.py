"""SH-18: report the loss (phone, online, counter) → the card is blocked at once → replacement
(instant or regular) → the new card enabled → the old card void; a loss report can be withdrawn
while no replacement has been applied for."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.tests.support import SH_DAY, centre, holder, in_force, shanghai_person
from sscard.cards.models import Card
from sscard.cards.services import (
    card_enable,
    card_loss_withdraw,
    card_replacement_apply,
    card_report_loss,
)
from sscard.cards.tests.scenarios import status
from sscard.cards.tests.support import card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record
from sscard.notifications.models import OutboxMessage
from sscard.registry.models import Person
from sscard.testing.card_life import card_of, clerk_of, dispatch, produce

pytestmark = pytest.mark.django_db
HOTLINE = Actor(role=Role.CITY_OFFICER, label="962222")


@pytest.fixture
def holder_and_card() -> tuple[Person, Card]:
    in_force("shanghai-2019")
    person = shanghai_person()
    return person, card(person, generation=2, ss_function="enabled", bank_code="BOSC")


def test_sh_18_a_report_by_phone_blocks_at_once_and_lifts_itself_after_the_term(
    holder_and_card: tuple[Person, Card],
) -> None:
    person, lost = holder_and_card
    report = card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=SH_DAY)
    assert (report.kind, report.blocked_until) == ("temporary", SH_DAY + timedelta(days=10))
    assert status(lost.card_number, SH_DAY) == "blocked_temporary"
    assert status(lost.card_number, SH_DAY + timedelta(days=10)) == "blocked_temporary"
    assert status(lost.card_number, SH_DAY + timedelta(days=11)) == "valid"
    told = OutboxMessage.objects.get(template_key="loss_reported", person_id=person.pk)
    assert "挂失" in told.text


def test_sh_18_online_is_temporary_the_counter_formal_and_withdrawal_unblocks(
    holder_and_card: tuple[Person, Card],
) -> None:
    person, lost = holder_and_card
    card_report_loss(actor=holder(person), card=lost, channel="online", today=SH_DAY)
    assert status(lost.card_number, SH_DAY) == "blocked_temporary"
    # a formal report at the counter confirms it: it no longer lifts itself
    desk = centre()
    card_report_loss(actor=clerk_of(desk), card=lost, channel="counter", today=SH_DAY, formal=True)
    assert status(lost.card_number, SH_DAY + timedelta(days=30)) == "blocked_formal"
    # the card is found again: the holder withdraws the report, the card works again
    card_loss_withdraw(actor=holder(person), card=lost, today=SH_DAY + timedelta(days=1))
    assert status(lost.card_number, SH_DAY + timedelta(days=1)) == "valid"
    # a formal report by phone is not taken
    with pytest.raises(ApplicationError) as caught:
        card_report_loss(actor=HOTLINE, card=lost, channel="phone", today=SH_DAY, formal=True)
    assert caught.value.code == "loss_formal_not_here"


def test_sh_18_reported_replaced_new_card_enabled_old_void_and_no_withdrawal(
    holder_and_card: tuple[Person, Card],
) -> None:
    person, lost = holder_and_card
    card_report_loss(actor=holder(person), card=lost, channel="online", today=SH_DAY)
    # when a replacement is applied for at a community centre (SH-06)
    desk, backup = centre(), centre()
    application = card_replacement_apply(
        actor=clerk_of(desk),
        card=lost,
        reason="lost",
        channel="community_centre",
        day=SH_DAY,
        backup_centre_id=backup.pk,
    )
    assert (application.action, application.card_generation) == ("replace_lost", 3)
    # then the report can no longer be withdrawn, and the card stays blocked
    with pytest.raises(ApplicationError) as caught:
        card_loss_withdraw(actor=holder(person), card=lost, today=SH_DAY)
    assert caught.value.code == "loss_withdraw_after_replacement"
    assert status(lost.card_number, SH_DAY + timedelta(days=20)) == "blocked_formal"
    # when the new card is made, delivered and enabled
    dispatch(produce(day=SH_DAY))
    new = card_of(application)
    shipment = Shipment.objects.get(card=new)
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=1),
    )
    card_enable(actor=holder(person), card=new, today=SH_DAY + timedelta(days=3))
    # then the old card is void and the new one valid
    day = SH_DAY + timedelta(days=3)
    assert (status(lost.card_number, day), status(new.card_number, day)) == ("replaced", "valid")

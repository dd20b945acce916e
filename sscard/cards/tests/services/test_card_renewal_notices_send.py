"""card_renewal_notices_send (到期换卡提醒, issue 15 point 4): each holder whose card runs out
within the pack's notice period is told once, with the pack's text through the outbox; a
second run (or the daily sweep after an officer's button) tells no one twice; each officer
tells only their own scope, and anyone else is refused with nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from sscard.applications.tests.support import hr, in_force
from sscard.cards.models import Card, CardRenewalNotice
from sscard.cards.services.expiry import SWEEP_ACTOR, card_renewal_notices_send
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.policy import load_pack
from sscard.policy.tests.packs import dump, pack_data
from sscard.testing.factories import EmployerFactory

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 2)
CHAOYANG = "110105"


def _card(days_left: int, **person_kwargs: object) -> Card:
    return card(person(**person_kwargs), valid_until=TODAY + timedelta(days=days_left))


def test_each_holder_in_the_notice_period_is_told_once_with_the_packs_text():
    # given Beijing's pack in force, and cards that run out in 10, 90 and 91 days, or ran out
    in_force("beijing-2024")
    soon, edge = _card(10), _card(90)
    later, gone = _card(91), _card(-1)
    # when the daily sweep runs
    summary = card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY)
    # then the holders of the two cards within ninety days are told, and only they
    assert (summary.cards, summary.queued, summary.no_phone) == (2, 2, 0)
    told = {m.person_id: m for m in OutboxMessage.objects.all()}
    assert set(told) == {soon.person_id, edge.person_id}
    assert later.person_id not in told
    assert gone.person_id not in told
    # with the pack's text, naming the card's last day and no link (BJ-13 checked)
    message = told[soon.person_id]
    assert message.template_key == "card_expiring"
    assert "2025年6月12日" in message.text
    assert "http" not in message.text
    assert set(CardRenewalNotice.objects.values_list("card_id", "texts")) == {
        (soon.pk, 1),
        (edge.pk, 1),
    }
    assert AuditEvent.objects.filter(action="card_renewal_notices_send").count() == 1


def test_a_second_run_tells_no_one_twice():
    in_force("beijing-2024")
    _card(10)
    card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY)
    before = (OutboxMessage.objects.count(), AuditEvent.objects.count())
    # the next day, and the day after from the command cron runs
    again = card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY + timedelta(days=1))
    call_command("card_renewal_notices_send", "--day", (TODAY + timedelta(days=2)).isoformat())
    assert (again.cards, again.queued) == (0, 0)
    assert (OutboxMessage.objects.count(), AuditEvent.objects.count()) == before
    # a card coming into the period later is told on its own day
    fresh = _card(95)
    later = card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY + timedelta(days=5))
    assert later.cards == 1
    assert OutboxMessage.objects.filter(person_id=fresh.person_id).count() == 1


def test_a_holder_without_a_phone_is_noted_and_not_texted():
    in_force("beijing-2024")
    silent = _card(10, phone="")
    summary = card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY)
    assert (summary.cards, summary.queued, summary.no_phone) == (1, 0, 1)
    assert not OutboxMessage.objects.exists()
    assert CardRenewalNotice.objects.get(card=silent).texts == 0


def test_a_district_officer_tells_their_district_only():
    in_force("beijing-2024")
    mine = _card(10)  # Xicheng
    other = _card(10, insured_region=CHAOYANG, hukou_region=CHAOYANG)
    officer = Actor(role=Role.DISTRICT_OFFICER, label="d", district_code="110102")
    summary = card_renewal_notices_send(actor=officer, today=TODAY)
    assert summary.cards == 1
    assert set(CardRenewalNotice.objects.values_list("card_id", flat=True)) == {mine.pk}
    # the city's run later tells the other district's holder, and not the first again
    card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY)
    assert OutboxMessage.objects.filter(person_id=other.person_id).count() == 1
    assert OutboxMessage.objects.filter(person_id=mine.person_id).count() == 1


@pytest.mark.parametrize(
    "actor",
    [
        Actor(role=Role.CARDHOLDER, label="h", person_id=1),
        Actor(role=Role.BANK_CLERK, label="c", outlet_id=1),
    ],
)
def test_anyone_but_the_bureau_is_refused_and_nothing_is_written(actor):
    in_force("beijing-2024")
    _card(10)
    with pytest.raises(ApplicationError) as caught:
        card_renewal_notices_send(actor=actor, today=TODAY)
    assert caught.value.code == "permission_denied"
    assert not CardRenewalNotice.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_hr_of_an_employer_is_refused():
    in_force("beijing-2024")
    employer = EmployerFactory.create()
    _card(10, employer=employer)
    with pytest.raises(ApplicationError) as caught:
        card_renewal_notices_send(actor=hr(employer), today=TODAY)
    assert caught.value.code == "permission_denied"
    assert not OutboxMessage.objects.exists()


def test_a_city_without_renewal_in_its_pack_tells_no_one():
    data = pack_data("beijing-2024")
    data.pop("renewal")
    in_force("beijing-2024", pack=load_pack(dump(data)))
    _card(10)
    summary = card_renewal_notices_send(actor=SWEEP_ACTOR, today=TODAY)
    assert summary.cards == 0
    assert not OutboxMessage.objects.exists()

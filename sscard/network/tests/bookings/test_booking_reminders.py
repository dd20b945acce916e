"""The day before, one text per booking goes through the outbox: from the pack in force for the
outlet's city, checked against BJ-13 (no link), never twice; a child's goes to the parent."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor
from sscard.core.crypto import PHONE, field_cipher
from sscard.kernel import messages
from sscard.network.booking_services import booking_cancel, booking_make, booking_reminders_send
from sscard.network.models import Booking, TimeSlot
from sscard.network.tests.bookings.support import (
    NOW,
    SYSTEM,
    TUESDAY,
    WEDNESDAY,
    centre,
    holder,
    person,
    slot,
)
from sscard.notifications.models import OutboxMessage
from sscard.policy import builtin_pack

pytestmark = pytest.mark.django_db


def book(actor: Actor, place_slot: TimeSlot, **kwargs: Any) -> Booking:
    return booking_make(actor=actor, slot_id=place_slot.pk, purpose="apply", now=NOW, **kwargs)


def phone_of(message: OutboxMessage) -> str:
    return field_cipher().decrypt(bytes(message.phone_enc), field=PHONE)


def test_one_reminder_per_booking_of_the_day_once_and_without_links():
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))
    place = centre(name="西城区德胜社区事务受理中心")
    nine, ten = slot(place, TUESDAY, "09:00-10:00"), slot(place, TUESDAY, "10:00-11:00")
    me = person(phone="13900000001")
    parent = person(phone="13900000002")
    child = person(guardian=parent, phone="")
    gone = person(phone="13900000003")
    book(holder(me), nine)
    book(holder(parent), ten, person_id=child.pk)
    cancelled = book(holder(gone), ten)
    booking_cancel(actor=holder(gone), booking_id=cancelled.pk, now=NOW)
    book(holder(person(phone="13900000004")), slot(place, WEDNESDAY))  # another day
    before = OutboxMessage.objects.count()

    summary = booking_reminders_send(day=TUESDAY)

    sent = list(OutboxMessage.objects.order_by("pk")[before:])
    assert (summary.reminded, summary.queued, summary.no_phone) == (2, 2, 0)
    assert sorted(phone_of(m) for m in sent) == ["13900000001", "13900000002"]
    by_phone = {phone_of(m): m for m in sent}
    assert by_phone["13900000001"].text == (
        "您已预约9月22日09:00-10:00到西城区德胜社区事务受理中心办理社会保障卡业务，"
        "请携带本人有效身份证件按时前往。如需改约或取消，请通过原预约渠道办理。"
    )
    assert by_phone["13900000002"].person_id == child.pk  # the child's booking, the parent's phone
    for message in sent:
        assert message.template_key == "booking_reminder"
        assert messages.check(message.text).ok
        assert "http" not in message.text
        assert "www" not in message.text

    again = booking_reminders_send(day=TUESDAY)
    assert (again.reminded, again.queued) == (0, 0)
    assert OutboxMessage.objects.count() == before + 2
    assert Booking.objects.filter(slot__day=TUESDAY, reminded_at__isnull=False).count() == 2


def test_without_a_pack_in_force_nothing_is_sent_and_the_bookings_wait():
    place = centre()
    booking = book(holder(person()), slot(place, TUESDAY))
    summary = booking_reminders_send(day=TUESDAY)
    assert (summary.reminded, summary.queued, summary.no_template) == (0, 0, 1)
    assert not OutboxMessage.objects.exists()
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))
    assert booking_reminders_send(day=TUESDAY).queued == 1
    booking.refresh_from_db()
    assert booking.reminded_at is not None


def test_the_command_reminds_a_days_bookings_once(capsys):
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))
    place = centre()
    book(holder(person()), slot(place, TUESDAY))
    call_command("booking_reminders_send", "--day", TUESDAY.isoformat())
    assert "texts queued 1" in capsys.readouterr().out
    call_command("booking_reminders_send", "--day", TUESDAY.isoformat())
    assert "texts queued 0" in capsys.readouterr().out


def test_beat_runs_the_reminders():
    from config.celery import app as project_app

    entry = project_app.conf.beat_schedule["booking-reminders"]
    assert entry["task"] == "sscard.network.booking_reminders"
    from sscard.network.tasks import booking_reminders

    assert booking_reminders.name == entry["task"]

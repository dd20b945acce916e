"""SH-10: "为避免排队拥挤，办理对象可根据实际情况，选择不同时间、不同渠道错峰换发" — a community
centre publishes its places per time slot on working days, a parent books a quieter slot for a
child, a full slot points to the next free ones, and the day before the Shanghai pack's text
reminds them, without a link (BJ-13's rule, kept in Shanghai's pack too)."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.tests.support import HUANGPU, in_force, pupil_with_parent
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.kernel import messages
from sscard.network.booking_selectors import booking_load
from sscard.network.booking_services import booking_make, booking_reminders_send, slots_publish
from sscard.network.models import TimeSlot
from sscard.network.tests.bookings.support import NOW, clerk, holder, person, week
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db

HUANGPU_OFFICER = Actor(role=Role.DISTRICT_OFFICER, label="huangpu", district_code=HUANGPU)


def test_sh_10_visits_are_staggered_over_published_time_slots() -> None:
    # given the Shanghai pack in force and a Huangpu community centre publishing two slots of
    # two places on each working day of a week with a weekend in it
    in_force("shanghai-2019")
    centre = OutletFactory.create(
        community_centre=True, district=HUANGPU, name="黄浦区外滩街道社区事务受理服务中心"
    )
    result = slots_publish(
        actor=clerk(centre),
        outlet_id=centre.pk,
        date_from=date(2026, 9, 22),
        date_to=date(2026, 9, 28),  # Tue-Mon; Sat 26 and Sun 27 Sept 2026 are rest days
        template=week(2, "09:00-10:00", "10:00-11:00"),
        now=NOW,
    )
    assert (result.working_days, result.rest_days, result.created) == (4, 3, 8)
    first, second = TimeSlot.objects.filter(outlet=centre).order_by("day", "start")[:2]
    # when a parent books the first slot for their child and two others fill it
    parent, child = pupil_with_parent(notified=None)
    booking_make(
        actor=holder(parent), slot_id=first.pk, purpose="apply", person_id=child.pk, now=NOW
    )
    booking_make(
        actor=holder(person(hukou_region=HUANGPU)), slot_id=first.pk, purpose="apply", now=NOW
    )
    # then a third is told it is full and offered the next free slot
    with pytest.raises(ApplicationError) as full:
        booking_make(actor=holder(person()), slot_id=first.pk, purpose="apply", now=NOW)
    assert full.value.code == "slot_full"
    assert full.value.details["next_free"][0]["slot_id"] == second.pk
    # and the bureau sees the centre's load that day
    load = booking_load(actor=HUANGPU_OFFICER, start=first.day, weeks=1)
    assert (load[0].capacity, load[0].booked, load[0].percent) == (4, 2, 50)
    # and the day before, the parent gets the pack's reminder, with no link
    before = OutboxMessage.objects.count()
    assert booking_reminders_send(day=first.day).reminded == 2
    texts = [m.text for m in OutboxMessage.objects.order_by("pk")[before:]]
    assert len(texts) == 2
    assert all("新版社会保障卡" in t for t in texts)
    assert all("黄浦区外滩街道社区事务受理服务中心" in t for t in texts)
    assert all(messages.check(t).ok for t in texts)

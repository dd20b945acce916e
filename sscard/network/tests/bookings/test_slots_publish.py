"""Outlets publish capacity per day and slot from a weekly template, on working days only (the
official calendar, 调休 counted), plus a day's override; nothing is half-written."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from sscard.core.actors import Actor
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.network.booking_services import (
    PublishResult,
    WeeklySlot,
    booking_make,
    slot_capacity_set,
    slots_publish,
)
from sscard.network.models import Outlet, TimeSlot
from sscard.network.tests.bookings.support import (
    DONGCHENG,
    NOW,
    SHANGHAI,
    SYSTEM,
    centre,
    city_officer,
    clerk,
    counted,
    district_officer,
    hm,
    holder,
    outlet,
    person,
    slot,
    week,
)

pytestmark = pytest.mark.django_db

NATIONAL_DAY_FROM = date(2026, 9, 28)  # Monday
NATIONAL_DAY_TO = date(2026, 10, 11)  # Sunday


def publish(
    actor: Actor,
    place: Outlet,
    date_from: date,
    date_to: date,
    template: list[WeeklySlot],
    now: datetime = NOW,
) -> PublishResult:
    return slots_publish(
        actor=actor,
        outlet_id=place.pk,
        date_from=date_from,
        date_to=date_to,
        template=template,
        now=now,
    )


def test_a_template_fills_the_working_days_and_skips_holidays_and_weekends():
    place = centre()
    template = week(4, "09:00-10:00", "10:00-11:00")
    result = publish(clerk(place), place, NATIONAL_DAY_FROM, NATIONAL_DAY_TO, template)
    # 28-30 Sep; 1-7 Oct National Day; 8, 9 Oct; Saturday 10 Oct is a 调休 working day.
    working = [date(2026, 9, d) for d in (28, 29, 30)] + [date(2026, 10, d) for d in (8, 9, 10)]
    assert sorted({row[0] for row in counted(place)}) == working
    assert counted(place)[:2] == [
        (date(2026, 9, 28), "09:00-10:00", 4, 0),
        (date(2026, 9, 28), "10:00-11:00", 4, 0),
    ]
    assert (result.created, result.updated, result.working_days, result.rest_days) == (12, 0, 6, 8)
    event = AuditEvent.objects.filter(action="slots_publish").get()
    assert event.changes["created"] == 12


def test_each_weekday_takes_its_own_row_of_the_template():
    place = outlet()
    template = week(3, "09:00-10:00", weekdays=range(5)) + week(
        1, "09:00-12:00", weekdays=range(5, 6)
    )
    publish(SYSTEM, place, NATIONAL_DAY_FROM, NATIONAL_DAY_TO, template)
    assert (date(2026, 10, 10), "09:00-12:00", 1, 0) in counted(place)  # the working Saturday
    assert (date(2026, 10, 9), "09:00-10:00", 3, 0) in counted(place)


def test_a_year_without_an_official_schedule_is_refused_not_guessed():
    place = outlet()
    last = max(work_calendar().years)
    late = datetime(last, 12, 20, 10, 0, tzinfo=SHANGHAI)
    with pytest.raises(ApplicationError) as caught:
        publish(
            SYSTEM, place, date(last, 12, 28), date(last + 1, 1, 8), week(2, "09:00-10:00"), late
        )
    assert caught.value.code == "calendar_not_covered"
    assert caught.value.status == 409
    assert not TimeSlot.objects.exists()  # the covered days of the range are not written either


def test_publishing_again_changes_capacity_but_never_below_what_is_booked():
    place = outlet()
    publish(SYSTEM, place, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, week(2, "09:00-10:00"))
    first = TimeSlot.objects.get(outlet=place)
    holder_person = person()
    booking_make(actor=holder(holder_person), slot_id=first.pk, purpose="apply", now=NOW)
    again = publish(SYSTEM, place, NATIONAL_DAY_FROM, NATIONAL_DAY_TO, week(5, "09:00-10:00"))
    assert (again.created, again.updated) == (5, 1)
    assert counted(place)[0] == (NATIONAL_DAY_FROM, "09:00-10:00", 5, 1)
    before = counted(place)
    with pytest.raises(ApplicationError) as caught:
        publish(SYSTEM, place, NATIONAL_DAY_FROM, NATIONAL_DAY_TO, week(0, "09:00-10:00"))
    assert caught.value.code == "capacity_below_booked"
    assert "2026-09-28" in caught.value.message_zh
    assert counted(place) == before  # nothing half-written


@pytest.mark.parametrize(
    ("template", "code"),
    [
        (week(2, "09:00-10:00", "09:30-10:30"), "slot_overlap"),
        (week(2, "10:00-09:00"), "slot_time_invalid"),
        (week(501, "09:00-10:00"), "capacity_invalid"),
        ([], "slot_template_empty"),
    ],
)
def test_a_bad_template_is_refused(template, code):
    place = outlet()
    with pytest.raises(ApplicationError) as caught:
        publish(SYSTEM, place, NATIONAL_DAY_FROM, NATIONAL_DAY_TO, template)
    assert caught.value.code == code
    assert not TimeSlot.objects.exists()


@pytest.mark.parametrize(
    ("date_from", "date_to"),
    [
        (NOW.date() - timedelta(days=1), NOW.date()),  # the past
        (NATIONAL_DAY_TO, NATIONAL_DAY_FROM),  # backwards
        (NOW.date(), NOW.date() + timedelta(days=92)),  # too long
    ],
)
def test_a_bad_range_is_refused(date_from, date_to):
    with pytest.raises(ApplicationError) as caught:
        publish(SYSTEM, outlet(), date_from, date_to, week(2, "09:00-10:00"))
    assert caught.value.code == "slot_range_invalid"


def test_who_may_publish_is_scoped():
    mine, theirs = centre(), centre()
    dongcheng = outlet(district=DONGCHENG)
    template = week(2, "09:00-10:00")
    with pytest.raises(ApplicationError) as caught:
        publish(clerk(mine), theirs, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, template)
    assert caught.value.code == "slot_other_outlet"
    with pytest.raises(ApplicationError) as caught:
        publish(district_officer(), dongcheng, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, template)
    assert caught.value.code == "not_found"
    with pytest.raises(ApplicationError) as caught:
        publish(holder(person()), mine, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, template)
    assert caught.value.code == "permission_denied"
    assert not TimeSlot.objects.exists()
    publish(district_officer(DONGCHENG), dongcheng, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, template)
    publish(city_officer(), mine, NATIONAL_DAY_FROM, NATIONAL_DAY_FROM, template)
    assert TimeSlot.objects.count() == 2


def test_a_days_override_opens_a_rest_day_changes_and_closes_a_slot():
    place = outlet()
    saturday = date(2026, 9, 26)  # a holiday-week Saturday: rest day, opened on purpose
    opened = slot(place, saturday, "09:00-11:00", 6)
    assert counted(place) == [(saturday, "09:00-11:00", 6, 0)]
    slot(place, saturday, "09:00-11:00", 0)
    assert counted(place) == [(saturday, "09:00-11:00", 0, 0)]
    assert TimeSlot.objects.get().pk == opened.pk
    slot(place, saturday, "10:00-12:00", 3)  # overlaps only a closed slot: allowed
    assert counted(place) == [(saturday, "09:00-11:00", 0, 0), (saturday, "10:00-12:00", 3, 0)]


def test_an_override_may_not_overlap_an_open_slot_nor_fall_in_the_past():
    place = outlet()
    slot(place, NOW.date() + timedelta(days=1), "09:00-11:00", 6)
    with pytest.raises(ApplicationError) as caught:
        slot(place, NOW.date() + timedelta(days=1), "10:00-12:00", 3)
    assert caught.value.code == "slot_overlap"
    with pytest.raises(ApplicationError) as caught:
        slot_capacity_set(
            actor=SYSTEM,
            outlet_id=place.pk,
            day=NOW.date() - timedelta(days=1),
            start=hm("09:00"),
            end=hm("10:00"),
            capacity=1,
            now=NOW,
        )
    assert caught.value.code == "slot_in_past"

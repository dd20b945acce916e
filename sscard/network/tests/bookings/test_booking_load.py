"""The bureau's load per outlet and day for the coming weeks: capacity, booked and the share,
equal to an independent count of the slots and the bookings; an officer sees their scope."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db import connection

from sscard.core.errors import ApplicationError
from sscard.network.booking_selectors import booking_load
from sscard.network.booking_services import booking_cancel, booking_make
from sscard.network.tests.bookings.support import (
    DONGCHENG,
    MONDAY,
    NOW,
    TUESDAY,
    WEDNESDAY,
    centre,
    city_officer,
    clerk,
    district_officer,
    holder,
    outlet,
    person,
    slot,
)

pytestmark = pytest.mark.django_db


def independent(
    start: date, days: int, districts: set[str]
) -> dict[tuple[int, date], tuple[int, int]]:
    """Capacity from the slots' rows, booked from the booking rows (not the counter), in SQL."""
    found: defaultdict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.outlet_id, s.day, s.capacity, o.district FROM network_timeslot s "
            "JOIN network_outlet o ON o.id = s.outlet_id WHERE s.day >= %s AND s.day < %s",
            [start, start + timedelta(days=days)],
        )
        for outlet_id, day, capacity, district in cursor.fetchall():
            if district in districts:
                found[(outlet_id, _day(day))][0] += capacity
        cursor.execute(
            "SELECT s.outlet_id, s.day, o.district FROM network_booking b "
            "JOIN network_timeslot s ON s.id = b.slot_id "
            "JOIN network_outlet o ON o.id = s.outlet_id "
            "WHERE b.status IN ('booked', 'attended') AND s.day >= %s AND s.day < %s",
            [start, start + timedelta(days=days)],
        )
        for outlet_id, day, district in cursor.fetchall():
            if district in districts:
                found[(outlet_id, _day(day))][1] += 1
    return {key: (c, b) for key, (c, b) in found.items()}


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def test_the_load_equals_an_independent_count():
    a, b = centre(), outlet()
    far = outlet(district=DONGCHENG)
    slots = [
        slot(a, TUESDAY, "09:00-10:00", 4),
        slot(a, TUESDAY, "10:00-11:00", 2),
        slot(a, WEDNESDAY, "09:00-10:00", 3),
        slot(b, TUESDAY, "14:00-15:00", 5),
        slot(far, TUESDAY, "09:00-10:00", 2),
    ]
    slot(a, MONDAY + timedelta(weeks=3), "09:00-10:00", 9)  # beyond two weeks
    for target, purpose in [(0, "apply"), (0, "collect"), (1, "apply"), (2, "apply"), (3, "apply")]:
        booking_make(actor=holder(person()), slot_id=slots[target].pk, purpose=purpose, now=NOW)
    booking_make(actor=holder(person()), slot_id=slots[4].pk, purpose="apply", now=NOW)
    someone = person()
    gone = booking_make(actor=holder(someone), slot_id=slots[0].pk, purpose="apply", now=NOW)
    booking_cancel(actor=holder(someone), booking_id=gone.pk, now=NOW)

    rows = booking_load(actor=city_officer(), start=MONDAY, weeks=2)
    got = {(r.outlet_id, r.day): (r.capacity, r.booked) for r in rows}
    assert got == independent(MONDAY, 14, {"110102", DONGCHENG})
    assert got[(a.pk, TUESDAY)] == (6, 3)
    first = next(r for r in rows if (r.outlet_id, r.day) == (a.pk, TUESDAY))
    assert first.percent == 50

    mine = booking_load(actor=district_officer(DONGCHENG), start=MONDAY, weeks=2)
    assert {(r.outlet_id, r.day): (r.capacity, r.booked) for r in mine} == independent(
        MONDAY, 14, {DONGCHENG}
    )


def test_only_the_bureau_reads_the_load_and_weeks_are_bounded():
    place = centre()
    with pytest.raises(ApplicationError) as caught:
        booking_load(actor=clerk(place), start=MONDAY, weeks=2)
    assert caught.value.code == "permission_denied"
    with pytest.raises(ApplicationError) as caught:
        booking_load(actor=city_officer(), start=MONDAY, weeks=9)
    assert caught.value.code == "load_weeks_invalid"

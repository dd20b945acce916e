"""A holder (online, for themself or a child) or a clerk (at their outlet) books, moves and
cancels a place; a full slot is refused with the next free ones offered; the counter of each
slot always equals its bookings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Count, Q

from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.network.booking_services import (
    booking_attend,
    booking_cancel,
    booking_make,
    booking_move,
)
from sscard.network.models import Booking, TimeSlot
from sscard.network.tests.bookings.support import (
    DONGCHENG,
    MONDAY,
    NOW,
    TUESDAY,
    WEDNESDAY,
    centre,
    city_officer,
    clerk,
    holder,
    outlet,
    person,
    slot,
)
from sscard.testing.factories import make_id_number

pytestmark = pytest.mark.django_db


def counters_match_rows() -> None:
    """Every slot's counter equals its active (booked or attended) bookings."""
    rows = TimeSlot.objects.annotate(
        rows=Count("bookings", filter=Q(bookings__status__in=["booked", "attended"]))
    )
    assert [(s.pk, s.booked) for s in rows] == [(s.pk, s.rows) for s in rows]


def book(actor: Actor, place_slot: TimeSlot, purpose: str = "apply", **kwargs: Any) -> Booking:
    return booking_make(actor=actor, slot_id=place_slot.pk, purpose=purpose, now=NOW, **kwargs)


def test_a_holder_books_moves_and_cancels():
    place = centre()
    first, second = slot(place, TUESDAY), slot(place, WEDNESDAY)
    me = person()
    booking = book(holder(me), first)
    assert (booking.status, booking.channel, booking.person_id) == ("booked", "online", me.pk)
    moved = booking_move(actor=holder(me), booking_id=booking.pk, slot_id=second.pk, now=NOW)
    booking.refresh_from_db()
    assert (booking.status, moved.moved_from_id, moved.slot_id) == (
        "cancelled",
        booking.pk,
        second.pk,
    )
    assert TimeSlot.objects.get(pk=first.pk).booked == 0
    assert TimeSlot.objects.get(pk=second.pk).booked == 1
    booking_cancel(actor=holder(me), booking_id=moved.pk, now=NOW)
    assert TimeSlot.objects.get(pk=second.pk).booked == 0
    with pytest.raises(ApplicationError) as caught:
        booking_cancel(actor=holder(me), booking_id=moved.pk, now=NOW)
    assert caught.value.code == "booking_not_active"
    counters_match_rows()


def test_a_full_slot_is_refused_with_the_next_free_ones_offered():
    place = outlet()
    near = outlet()  # same district (Xicheng)
    far = outlet(district=DONGCHENG)
    full = slot(place, TUESDAY, "09:00-10:00", 1)
    later_full = slot(place, TUESDAY, "10:00-11:00", 1)
    later = slot(place, TUESDAY, "11:00-12:00", 2)
    next_day = slot(place, WEDNESDAY, "09:00-10:00", 2)
    closed = slot(place, WEDNESDAY, "10:00-11:00", 2)
    slot(place, WEDNESDAY, "10:00-11:00", 0)
    nearby = slot(near, TUESDAY, "14:00-15:00", 3)
    slot(far, TUESDAY, "09:00-10:00", 3)
    book(holder(person()), full)
    book(holder(person()), later_full)
    before = Booking.objects.count()
    with pytest.raises(ApplicationError) as caught:
        book(holder(person()), full)
    error = caught.value
    assert (error.code, error.status) == ("slot_full", 409)
    offered = [o["slot_id"] for o in error.details["next_free"]]
    # The same outlet first (later that day, then the next day), then the district's others.
    assert offered == [later.pk, next_day.pk, nearby.pk]
    assert closed.pk not in offered
    assert error.details["next_free"][0] | {"outlet": ""} == {
        "slot_id": later.pk, "outlet_id": place.pk, "outlet": "", "day": TUESDAY.isoformat(),
        "start": "11:00", "end": "12:00", "free": 2,
    }  # fmt: skip
    assert Booking.objects.count() == before
    counters_match_rows()


def test_a_clerk_is_offered_their_own_outlets_slots_only():
    place = centre()
    full = slot(place, TUESDAY, capacity=1)
    mine = slot(place, WEDNESDAY)
    slot(centre(), TUESDAY, "10:00-11:00")  # another centre of the district
    book(holder(person()), full)
    number = make_id_number(41)
    person(id_number=number)
    with pytest.raises(ApplicationError) as caught:
        book(clerk(place), full, id_number=number)
    assert [o["slot_id"] for o in caught.value.details["next_free"]] == [mine.pk]


def test_a_clerk_books_by_id_number_at_their_own_outlet_only():
    place, other = centre(), centre()
    number = make_id_number(42)
    someone = person(id_number=number)
    booking = book(clerk(place), slot(place, TUESDAY), id_number=number)
    assert (booking.person_id, booking.channel, booking.outlet_id) == (
        someone.pk,
        "counter",
        place.pk,
    )
    with pytest.raises(ApplicationError) as caught:
        book(clerk(place), slot(other, TUESDAY), purpose="collect", id_number=number)
    assert caught.value.code == "slot_other_outlet"
    with pytest.raises(ApplicationError) as caught:
        book(clerk(place), slot(place, WEDNESDAY), purpose="collect")
    assert caught.value.code == "booking_id_number_required"
    with pytest.raises(ApplicationError) as caught:
        booking_cancel(actor=clerk(other), booking_id=booking.pk, now=NOW)
    assert caught.value.code == "not_found"  # another outlet's bookings are not even seen
    counters_match_rows()


def test_a_parent_books_for_a_child_but_nobody_for_a_stranger():
    place = centre()
    parent = person()
    child = person(guardian=parent, phone="")
    stranger = person()
    booking = book(holder(parent), slot(place, TUESDAY), person_id=child.pk)
    assert booking.person_id == child.pk
    with pytest.raises(ApplicationError) as caught:
        book(holder(parent), slot(place, WEDNESDAY), person_id=stranger.pk)
    assert caught.value.code == "not_found"
    with pytest.raises(ApplicationError) as caught:
        booking_cancel(actor=holder(stranger), booking_id=booking.pk, now=NOW)
    assert caught.value.code == "not_found"
    with pytest.raises(ApplicationError) as caught:
        book(city_officer(), slot(place, WEDNESDAY, "10:00-11:00"))
    assert caught.value.code == "permission_denied"


def test_one_active_booking_per_person_and_purpose():
    place = centre()
    me = person()
    book(holder(me), slot(place, TUESDAY))
    with pytest.raises(ApplicationError) as caught:
        book(holder(me), slot(place, WEDNESDAY))
    assert caught.value.code == "booking_exists"
    book(holder(me), slot(place, WEDNESDAY, "10:00-11:00"), purpose="collect")  # another purpose
    counters_match_rows()


def test_past_and_closed_slots_are_refused():
    place = centre()
    this_morning = slot(place, MONDAY, "09:00-10:00")  # NOW is Monday 10:00
    this_afternoon = slot(place, MONDAY, "14:00-15:00")
    closed = slot(place, TUESDAY)
    slot(place, TUESDAY, "09:00-10:00", 0)
    me = person()
    with pytest.raises(ApplicationError) as caught:
        book(holder(me), this_morning)
    assert caught.value.code == "slot_in_past"
    with pytest.raises(ApplicationError) as caught:
        book(holder(me), closed)
    assert caught.value.code == "slot_closed"
    booking = book(holder(me), this_afternoon)
    with pytest.raises(ApplicationError) as caught:
        booking_cancel(actor=holder(me), booking_id=booking.pk, now=NOW + timedelta(hours=5))
    assert caught.value.code == "booking_in_past"
    assert not Booking.objects.filter(slot=closed).exists()


def test_moving_to_a_full_slot_keeps_the_booking():
    place = centre()
    mine, full = slot(place, TUESDAY), slot(place, WEDNESDAY, capacity=1)
    me = person()
    booking = book(holder(me), mine)
    book(holder(person()), full)
    with pytest.raises(ApplicationError) as caught:
        booking_move(actor=holder(me), booking_id=booking.pk, slot_id=full.pk, now=NOW)
    assert caught.value.code == "slot_full"
    booking.refresh_from_db()
    assert booking.status == "booked"
    assert TimeSlot.objects.get(pk=mine.pk).booked == 1
    with pytest.raises(ApplicationError) as caught:
        booking_move(actor=holder(me), booking_id=booking.pk, slot_id=mine.pk, now=NOW)
    assert caught.value.code == "booking_same_slot"
    counters_match_rows()


def test_the_clerk_records_the_visit_on_the_day_only():
    place = centre()
    me = person()
    booking = book(holder(me), slot(place, TUESDAY))
    with pytest.raises(ApplicationError) as caught:
        booking_attend(actor=clerk(place), booking_id=booking.pk, now=NOW)
    assert caught.value.code == "booking_not_today"
    attended = booking_attend(
        actor=clerk(place), booking_id=booking.pk, now=NOW + timedelta(days=1)
    )
    assert attended.status == "attended"
    assert TimeSlot.objects.get(pk=booking.slot_id).booked == 1  # the place was used
    with pytest.raises(ApplicationError) as caught:
        booking_attend(actor=holder(me), booking_id=booking.pk, now=NOW + timedelta(days=1))
    assert caught.value.code == "permission_denied"
    counters_match_rows()


def test_a_holder_cannot_book_or_move_into_another_citys_outlet():
    # given a holder of Beijing with a booking at home, and a Shanghai centre with free places
    home, elsewhere = centre(), centre(district="310106")
    me = person(insured_region="110102", hukou_region="110102")
    booking = book(holder(me), slot(home, TUESDAY))
    far = slot(elsewhere, WEDNESDAY)
    # when they book or move into Shanghai
    with pytest.raises(ApplicationError) as booked:
        booking_make(actor=holder(me), slot_id=far.pk, purpose="apply", now=NOW)
    with pytest.raises(ApplicationError) as moved:
        booking_move(actor=holder(me), booking_id=booking.pk, slot_id=far.pk, now=NOW)
    # then both are refused by code, the Shanghai place stays free and the booking at home holds
    assert (booked.value.code, moved.value.code) == ("slot_other_city", "slot_other_city")
    assert TimeSlot.objects.get(pk=far.pk).booked == 0
    booking.refresh_from_db()
    assert booking.status == "booked"
    counters_match_rows()

"""Many clients book one slot at once on PostgreSQL: the slot never takes more than its capacity.

Twenty threads, each on its own connection, book a slot of capacity 5 for twenty different
people at the same moment: exactly five bookings are written, the fifteen others are refused
with ``slot_full``, and the slot's counter equals its rows. Then ten threads race to move their
bookings into a slot of capacity 3 while ten others cancel: the counters still equal the rows.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sscard.network.booking_services import booking_make, booking_move
from sscard.network.choices import BookingStatus
from sscard.network.models import Booking, TimeSlot
from sscard.network.tests.bookings.support import (
    NOW,
    TUESDAY,
    WEDNESDAY,
    centre,
    holder,
    person,
    slot,
)
from sscard.testing import races

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: many connections racing on one slot's row (SQLite serialises "
        "every writer, so there is no race to lose)"
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 20


def race(work: list[tuple[str, Callable[..., object]]]) -> dict[str, str]:
    """Run each ``(name, call)`` on its own thread and connection, all released at once;
    ``"ok"`` for a call that succeeded, else its refusal's code."""
    outcomes = races.race(dict(work))
    return {name: o if isinstance(o, str) else "ok" for name, o in outcomes.items()}


def test_twenty_clients_booking_a_slot_of_five_write_exactly_five():
    place = centre()
    target = slot(place, TUESDAY, capacity=5)
    people = [person() for _ in range(THREADS)]
    outcomes = race(
        [
            (
                str(p.pk),
                lambda p=p: booking_make(
                    actor=holder(p), slot_id=target.pk, purpose="apply", now=NOW
                ),
            )
            for p in people
        ]
    )
    assert sorted(outcomes.values()).count("ok") == 5, outcomes
    assert sorted(outcomes.values()).count("slot_full") == THREADS - 5, outcomes
    rows = Booking.objects.filter(slot=target, status=BookingStatus.BOOKED).count()
    assert (TimeSlot.objects.get(pk=target.pk).booked, rows) == (5, 5)
    booked = {b.person_id for b in Booking.objects.filter(slot=target)}
    assert booked == {int(name) for name, outcome in outcomes.items() if outcome == "ok"}


def test_moves_racing_into_a_small_slot_never_overbook_it():
    place = centre()
    start_slot = slot(place, TUESDAY, capacity=THREADS)
    target = slot(place, WEDNESDAY, capacity=3)
    people = [person() for _ in range(THREADS)]
    bookings = [
        booking_make(actor=holder(p), slot_id=start_slot.pk, purpose="apply", now=NOW)
        for p in people
    ]
    outcomes = race(
        [
            (
                str(b.pk),
                lambda b=b, p=p: booking_move(
                    actor=holder(p), booking_id=b.pk, slot_id=target.pk, now=NOW
                ),
            )
            for b, p in zip(bookings, people, strict=True)
        ]
    )
    assert sorted(outcomes.values()).count("ok") == 3, outcomes
    assert sorted(outcomes.values()).count("slot_full") == THREADS - 3, outcomes
    for each in (start_slot, target):
        rows = Booking.objects.filter(slot=each, status=BookingStatus.BOOKED).count()
        assert TimeSlot.objects.get(pk=each.pk).booked == rows
    assert TimeSlot.objects.get(pk=target.pk).booked == 3
    assert TimeSlot.objects.get(pk=start_slot.pk).booked == THREADS - 3

"""API operations of booked time slots: the twin of every booking page action, calling the same
services and answering the same predicates the pages draw their buttons from."""

# No ``from __future__ import annotations`` here: Ninja reads these signatures through
# ``@paginate``'s wrapper, whose module could not resolve postponed (string) annotations.

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from sscard.core.actors import Actor
from sscard.core.clock import today
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.network.booking_rules import (
    attend_refusal,
    book_refusal,
    change_refusal,
)
from sscard.network.booking_schemas import (
    BookingFilter,
    BookingIn,
    BookingOut,
    LoadFilter,
    LoadOut,
    MoveIn,
    PublishIn,
    PublishOut,
    SlotFilter,
    SlotOut,
    SlotSetIn,
)
from sscard.network.booking_selectors import (
    booking_list,
    booking_load,
    outlet_slots,
    outlets_bookable,
)
from sscard.network.booking_services import (
    WeeklySlot,
    booking_attend,
    booking_cancel,
    booking_make,
    booking_move,
    slot_capacity_set,
    slots_publish,
)
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.network.schemas import OutletOut
from sscard.network.selectors import outlet_get

router = Router(tags=["bookings"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}


def slot_body(actor: Actor, slot: TimeSlot, outlet: Outlet) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": slot.pk,
        "outlet_id": slot.outlet_id,
        "outlet": outlet.name,
        "day": slot.day,
        "start": f"{slot.start:%H:%M}",
        "end": f"{slot.end:%H:%M}",
        "capacity": slot.capacity,
        "booked": slot.booked,
        "free": slot.free,
        "bookable": book_refusal(actor=actor, slot=slot, now=now) is None,
    }


def booking_body(actor: Actor, booking: Booking) -> dict[str, Any]:
    now = timezone.now()
    slot = booking.slot
    return {
        "id": booking.pk,
        "person_id": booking.person_id,
        "person_name": booking.person.masked_name,
        "person_id_number": booking.person.masked_id_number,
        "outlet_id": booking.outlet_id,
        "outlet": booking.outlet.name,
        "slot_id": slot.pk,
        "day": slot.day,
        "start": f"{slot.start:%H:%M}",
        "end": f"{slot.end:%H:%M}",
        "purpose": booking.purpose,
        "status": booking.status,
        "channel": booking.channel,
        "may_cancel": change_refusal(actor=actor, booking=booking, now=now) is None,
        "may_move": change_refusal(actor=actor, booking=booking, now=now) is None,
        "may_attend": attend_refusal(actor=actor, booking=booking, today=today()) is None,
    }


@router.get("/booking/outlets", response={200: list[OutletOut], **ERRORS})
def booking_outlets(request: HttpRequest, district: str | None = None) -> Any:
    """Outlets with a free slot in the coming four weeks (of a district, if given)."""
    return list(outlets_bookable(actor=request_actor(request), district=district))


@router.get("/booking/slots", response={200: list[SlotOut], **ERRORS})
def booking_slots(request: HttpRequest, filters: Query[SlotFilter]) -> list[dict[str, Any]]:
    """An outlet's published slots from a day on, each with whether the caller may book it."""
    actor = request_actor(request)
    outlet = outlet_get(actor=actor, outlet_id=filters.outlet_id)
    slots = outlet_slots(outlet=outlet, date_from=filters.date_from or today(), days=filters.days)
    return [slot_body(actor, s, outlet) for s in slots]


@router.post("/booking/outlets/{int:outlet_id}/publish", response={200: PublishOut, **WRITE_ERRORS})
def booking_publish(request: HttpRequest, outlet_id: int, body: PublishIn) -> Any:
    """Apply a weekly template (weekday × slot → capacity) to the working days of a range;
    ``calendar_not_covered`` for a year without an official holiday schedule."""
    return slots_publish(
        actor=request_actor(request),
        outlet_id=outlet_id,
        date_from=body.date_from,
        date_to=body.date_to,
        template=[WeeklySlot(c.weekday, c.start, c.end, c.capacity) for c in body.slots],
    )


@router.put("/booking/outlets/{int:outlet_id}/slots", response={200: SlotOut, **WRITE_ERRORS})
def booking_slot_set(request: HttpRequest, outlet_id: int, body: SlotSetIn) -> dict[str, Any]:
    """Set one slot of one day: open it, change its capacity (not below the booked), close it."""
    actor = request_actor(request)
    slot = slot_capacity_set(
        actor=actor,
        outlet_id=outlet_id,
        day=body.day,
        start=body.start,
        end=body.end,
        capacity=body.capacity,
    )
    return slot_body(actor, slot, slot.outlet)


@router.get("/bookings", response={200: list[BookingOut], **ERRORS})
def bookings_list(request: HttpRequest, filters: Query[BookingFilter]) -> list[dict[str, Any]]:
    """The caller's bookings: a holder's own and their children's, a clerk's outlet's, an
    officer's scope (of one day, or active only, if asked), names and ID numbers masked."""
    actor = request_actor(request)
    bookings = booking_list(actor=actor, day=filters.day, active=filters.active)[:500]
    return [booking_body(actor, b) for b in bookings]


@router.post("/bookings", response={200: BookingOut, **WRITE_ERRORS})
def bookings_make(request: HttpRequest, body: BookingIn) -> dict[str, Any]:
    """Book a place. A full slot answers 409 ``slot_full`` with ``details.next_free``: the next
    free slots of the outlet, then of the district's other outlets."""
    actor = request_actor(request)
    booking = booking_make(
        actor=actor,
        slot_id=body.slot_id,
        purpose=body.purpose,
        person_id=body.person_id,
        id_number=body.id_number,
    )
    return booking_body(actor, booking)


@router.post("/bookings/{int:booking_id}/cancel", response={200: BookingOut, **WRITE_ERRORS})
def bookings_cancel(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    return booking_body(actor, booking_cancel(actor=actor, booking_id=booking_id))


@router.post("/bookings/{int:booking_id}/move", response={200: BookingOut, **WRITE_ERRORS})
def bookings_move(request: HttpRequest, booking_id: int, body: MoveIn) -> dict[str, Any]:
    """Move a booking to another slot in one step; a full slot leaves it as it was."""
    actor = request_actor(request)
    moved = booking_move(actor=actor, booking_id=booking_id, slot_id=body.slot_id)
    return booking_body(actor, moved)


@router.post("/bookings/{int:booking_id}/attend", response={200: BookingOut, **WRITE_ERRORS})
def bookings_attend(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    """The clerk records that the person came (on the booked day)."""
    actor = request_actor(request)
    return booking_body(actor, booking_attend(actor=actor, booking_id=booking_id))


@router.get("/booking/load", response={200: list[LoadOut], **ERRORS})
def booking_load_get(request: HttpRequest, filters: Query[LoadFilter]) -> list[dict[str, Any]]:
    """Capacity, booked places and the share per outlet and day for the coming weeks (the
    bureau; a district officer their district)."""
    rows = booking_load(
        actor=request_actor(request),
        start=filters.start or today(),
        weeks=filters.weeks,
        district=filters.district,
    )
    return [
        {
            "outlet_id": r.outlet_id,
            "outlet": r.outlet,
            "district": r.district,
            "day": r.day,
            "capacity": r.capacity,
            "booked": r.booked,
            "percent": r.percent,
        }
        for r in rows
    ]

"""Whether a booked-slot action would be accepted: one predicate per action, asked by the service
before it writes and by the page and the API before they offer the action.

Each answers ``None`` (accepted) or the refusal the service raises, so that a page never shows a
button the service would refuse. Who may see an object at all is the selectors' business; these
predicates decide what the actor may do with what they see.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError, PermissionDenied
from sscard.core.scope import city_prefix
from sscard.kernel.regions import city_prefix as region_city_prefix
from sscard.network.booking_errors import BookingErrorCode
from sscard.network.choices import BookingStatus
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.registry.models import Person

CLERK_ROLES = frozenset({Role.BANK_CLERK, Role.COMMUNITY_CLERK})
#: Who books: the holder online (for themself or a child), a clerk at their outlet.
BOOKER_ROLES = CLERK_ROLES | {Role.CARDHOLDER}
#: Who publishes capacity: a clerk for their outlet, the bureau for the outlets of its scope.
PUBLISHER_ROLES = CLERK_ROLES | {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM}
#: Who reads the load of the outlets.
LOAD_READERS = frozenset({Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM})


def slot_starts_at(slot: TimeSlot) -> datetime:
    """The moment the slot begins, in the project's time zone."""
    naive = datetime.combine(slot.day, slot.start)
    return timezone.make_aware(naive, timezone.get_default_timezone())


def slot_begun(slot: TimeSlot, now: datetime) -> bool:
    return slot_starts_at(slot) <= now


def outlet_in_scope(actor: Actor, outlet: Outlet) -> bool:
    """Whether the outlet is the actor's to manage: a clerk's own, an officer's district or
    city, any for the system."""
    if actor.role in CLERK_ROLES:
        return actor.outlet_id == outlet.pk
    if actor.role is Role.DISTRICT_OFFICER:
        return bool(actor.district_code) and outlet.district == actor.district_code
    if actor.role is Role.CITY_OFFICER:
        prefix = city_prefix(actor)
        return prefix is None or outlet.district.startswith(prefix)
    return actor.role is Role.SYSTEM


def publish_refusal(*, actor: Actor, outlet: Outlet) -> ApplicationError | None:
    """Whether the actor may publish (or change) the outlet's capacity."""
    if actor.role not in PUBLISHER_ROLES:
        return PermissionDenied("publish time slots", "发布预约时段")
    if not outlet_in_scope(actor, outlet):
        return BookingErrorCode.SLOT_OTHER_OUTLET.error(outlet_id=outlet.pk)
    return None


def city_refusal(*, person: Person, slot: TimeSlot) -> ApplicationError | None:
    """A person books only in a city of theirs: where they are insured or where they are
    registered (户籍) — either may make them a campaign's target (SH-05). Outlets are public,
    so the list alone does not keep another city's out."""
    homes = [code for code in (person.insured_region, person.hukou_region) if code]
    if homes and not any(
        slot.outlet.district.startswith(region_city_prefix(code)) for code in homes
    ):
        return BookingErrorCode.SLOT_OTHER_CITY.error(slot_id=slot.pk)
    return None


def book_refusal(*, actor: Actor, slot: TimeSlot, now: datetime) -> ApplicationError | None:
    """Whether the actor may book this slot now (for someone they may book for).

    The free place seen here may be gone when the service writes: the service's conditional
    update is the real guard, and answers ``slot_full`` as this does."""
    if actor.role not in BOOKER_ROLES:
        return PermissionDenied("book a time slot", "预约办理时段")
    if actor.role in CLERK_ROLES and slot.outlet_id != actor.outlet_id:
        return BookingErrorCode.SLOT_OTHER_OUTLET.error(outlet_id=slot.outlet_id)
    if slot_begun(slot, now):
        return BookingErrorCode.SLOT_IN_PAST.error(slot_id=slot.pk)
    if slot.capacity == 0:
        return BookingErrorCode.SLOT_CLOSED.error(slot_id=slot.pk)
    if slot.booked >= slot.capacity:
        return BookingErrorCode.SLOT_FULL.error(slot_id=slot.pk)
    return None


def change_refusal(*, actor: Actor, booking: Booking, now: datetime) -> ApplicationError | None:
    """Whether the actor may cancel or move the booking (one they can see) now."""
    if actor.role not in BOOKER_ROLES:
        return PermissionDenied("change a booking", "改约或取消预约")
    if actor.role in CLERK_ROLES and booking.outlet_id != actor.outlet_id:
        return BookingErrorCode.SLOT_OTHER_OUTLET.error(outlet_id=booking.outlet_id)
    if booking.status != BookingStatus.BOOKED:
        return BookingErrorCode.BOOKING_NOT_ACTIVE.error(booking_id=booking.pk)
    if slot_begun(booking.slot, now):
        return BookingErrorCode.BOOKING_IN_PAST.error(booking_id=booking.pk)
    return None


def move_refusal(
    *, actor: Actor, booking: Booking, slot: TimeSlot, now: datetime
) -> ApplicationError | None:
    """Whether the actor may move the booking to this slot now: the booking may change, the
    slot is another one, and the actor may book it."""
    refusal = change_refusal(actor=actor, booking=booking, now=now)
    if refusal is not None:
        return refusal
    if slot.pk == booking.slot_id:
        return BookingErrorCode.BOOKING_SAME_SLOT.error(booking_id=booking.pk)
    return book_refusal(actor=actor, slot=slot, now=now)


def attend_refusal(*, actor: Actor, booking: Booking, today: date) -> ApplicationError | None:
    """Whether the clerk may record that the person came (on the booked day, at their outlet)."""
    if actor.role not in CLERK_ROLES:
        return PermissionDenied("record a visit", "登记到访")
    if booking.outlet_id != actor.outlet_id:
        return BookingErrorCode.SLOT_OTHER_OUTLET.error(outlet_id=booking.outlet_id)
    if booking.status != BookingStatus.BOOKED:
        return BookingErrorCode.BOOKING_NOT_ACTIVE.error(booking_id=booking.pk)
    if booking.slot.day != today:
        return BookingErrorCode.BOOKING_NOT_TODAY.error(booking_id=booking.pk)
    return None

"""Reads of booked time slots: the slots of an outlet, the next free ones, the bookings an actor
may see, and the load of the outlets per day.

Time slots are public service information (a citizen is told when to come); bookings are
personal: a holder sees their own and their children's, a clerk their outlet's, an officer
those of the outlets of their district or city.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.scope import city_prefix, region_in_city
from sscard.network.booking_errors import BookingErrorCode
from sscard.network.booking_rules import (
    CLERK_ROLES,
    LOAD_READERS,
    PUBLISHER_ROLES,
    outlet_in_scope,
    slot_begun,
)
from sscard.network.choices import BookingStatus
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.registry.models import Person
from sscard.registry.selectors import person_find_by_id_number

#: How far ahead free slots are looked for, and offered in a picker.
HORIZON_DAYS = 28
#: A full slot offers this many free ones at the same outlet, then this many nearby.
NEXT_FREE_SAME_OUTLET = 3
NEXT_FREE_NEARBY = 3
#: The load view covers at most this many weeks.
LOAD_WEEKS_MAX = 8
#: At most this many outlets in the holder's picker (a district's, or a city's).
OUTLETS_SHOWN = 200


# --------------------------------------------------------------------------------------------
# Slots
# --------------------------------------------------------------------------------------------


def slot_get(*, slot_id: int) -> TimeSlot:
    """A slot by id (slots are public); ``not_found`` when there is none."""
    found = TimeSlot.objects.select_related("outlet").filter(pk=slot_id).first()
    if found is None:
        raise NotFound("time slot", what_zh="该时段")
    return found


def days_after(day: date, days: int) -> date:
    """``day`` plus ``days``, or the last date there is (a period asked for near year 9999)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max


def outlet_slots(*, outlet: Outlet, date_from: date, days: int) -> QuerySet[TimeSlot]:
    """The outlet's published slots (capacity above 0) from ``date_from`` for ``days`` days."""
    return TimeSlot.objects.filter(
        outlet=outlet,
        day__gte=date_from,
        day__lt=days_after(date_from, days),
        capacity__gt=0,
    ).order_by("day", "start")


def outlet_slots_all(*, outlet: Outlet, date_from: date, days: int) -> QuerySet[TimeSlot]:
    """Every slot of the outlet in the period, closed ones too (the capacity page)."""
    return TimeSlot.objects.filter(
        outlet=outlet, day__gte=date_from, day__lt=days_after(date_from, days)
    ).order_by("day", "start")


def _free(slots: QuerySet[TimeSlot], now: datetime) -> QuerySet[TimeSlot]:
    """Slots with a free place that have not begun (from today's later hours on)."""
    local = timezone.localtime(now)
    later_today = Q(day=local.date(), start__gt=local.time())
    return slots.filter(capacity__gt=0, booked__lt=F("capacity")).filter(
        Q(day__gt=local.date()) | later_today
    )


@dataclass(frozen=True, slots=True)
class FreeSlot:
    """A slot offered instead of a full one."""

    slot_id: int
    outlet_id: int
    outlet: str
    day: date
    start: str
    end: str
    free: int

    def as_dict(self) -> dict[str, object]:
        return {
            "slot_id": self.slot_id,
            "outlet_id": self.outlet_id,
            "outlet": self.outlet,
            "day": self.day.isoformat(),
            "start": self.start,
            "end": self.end,
            "free": self.free,
        }


def _offered(slot: TimeSlot) -> FreeSlot:
    return FreeSlot(
        slot_id=slot.pk,
        outlet_id=slot.outlet_id,
        outlet=slot.outlet.name,
        day=slot.day,
        start=f"{slot.start:%H:%M}",
        end=f"{slot.end:%H:%M}",
        free=slot.free,
    )


def slots_next_free(*, slot: TimeSlot, now: datetime, outlet_only: bool = False) -> list[FreeSlot]:
    """What a full slot offers instead: the next free slots of the same outlet (later that day,
    then the next days), then those of other outlets of the same district, within
    :data:`HORIZON_DAYS`. ``outlet_only`` for a clerk, who books at their own outlet only."""
    until = days_after(slot.day, HORIZON_DAYS)
    window = TimeSlot.objects.select_related("outlet").filter(day__gte=slot.day, day__lte=until)
    same = (
        _free(window.filter(outlet_id=slot.outlet_id), now)
        .filter(Q(day__gt=slot.day) | Q(start__gt=slot.start))
        .order_by("day", "start")[:NEXT_FREE_SAME_OUTLET]
    )
    offered = [_offered(s) for s in same]
    if outlet_only:
        return offered
    nearby = (
        _free(window.filter(outlet__district=slot.outlet.district), now)
        .exclude(outlet_id=slot.outlet_id)
        .order_by("day", "start", "outlet__name", "pk")[:NEXT_FREE_NEARBY]
    )
    return offered + [_offered(s) for s in nearby]


def outlets_bookable(*, actor: Actor, district: str | None = None) -> QuerySet[Outlet]:
    """Outlets with a free slot in the coming weeks, for the holder's picker: those of
    ``district`` when given, else of the actor's city (or every city), by district and name."""
    now = timezone.now()
    today = timezone.localdate(now)
    free = _free(TimeSlot.objects.filter(day__lte=today + timedelta(days=HORIZON_DAYS)), now)
    outlets = Outlet.objects.filter(pk__in=free.values("outlet_id"))
    prefix = city_prefix(actor)
    if prefix:
        outlets = outlets.filter(region_in_city(prefix, "district"))
    if district:
        outlets = outlets.filter(district=district)
    return outlets.order_by("district", "name")[:OUTLETS_SHOWN]


def outlets_managed(*, actor: Actor) -> QuerySet[Outlet]:
    """The outlets whose capacity the actor publishes: a clerk's own, an officer's scope."""
    outlets = Outlet.objects.all()
    if actor.role in CLERK_ROLES:
        return outlets.filter(pk=actor.outlet_id or 0)
    if actor.role is Role.DISTRICT_OFFICER:
        return outlets.filter(district=actor.district_code or "-").order_by("name")
    if actor.role is Role.CITY_OFFICER:
        prefix = city_prefix(actor)
        return (outlets.filter(region_in_city(prefix, "district")) if prefix else outlets).order_by(
            "district", "name"
        )
    if actor.role is Role.SYSTEM:
        return outlets.order_by("district", "name")
    return outlets.none()


def outlet_managed(*, actor: Actor, outlet_id: int) -> Outlet:
    """An outlet the actor may publish capacity for; a clerk naming another outlet is told so."""
    if actor.role not in PUBLISHER_ROLES:
        raise PermissionDenied("publish time slots", "发布预约时段")
    outlet = Outlet.objects.filter(pk=outlet_id).first()
    if outlet is None:
        raise NotFound("outlet", what_zh="该网点")
    if not outlet_in_scope(actor, outlet):
        if actor.role in CLERK_ROLES:
            raise BookingErrorCode.SLOT_OTHER_OUTLET.error(outlet_id=outlet_id)
        raise NotFound("outlet", what_zh="该网点")
    return outlet


# --------------------------------------------------------------------------------------------
# Bookings
# --------------------------------------------------------------------------------------------


def bookings_visible(*, actor: Actor) -> QuerySet[Booking]:
    """The bookings the actor may see (newest slot first is the caller's order)."""
    bookings = Booking.objects.select_related("slot", "outlet", "person")
    if actor.role is Role.CARDHOLDER:
        if actor.person_id is None:
            return bookings.none()
        return bookings.filter(
            Q(person_id=actor.person_id) | Q(person__guardian_id=actor.person_id)
        )
    if actor.role in CLERK_ROLES:
        return bookings.filter(outlet_id=actor.outlet_id or 0)
    if actor.role is Role.DISTRICT_OFFICER:
        return bookings.filter(outlet__district=actor.district_code or "-")
    if actor.role is Role.CITY_OFFICER:
        prefix = city_prefix(actor)
        return bookings.filter(region_in_city(prefix, "outlet__district")) if prefix else bookings
    if actor.role is Role.SYSTEM:
        return bookings
    return bookings.none()


def booking_get(*, actor: Actor, booking_id: int) -> Booking:
    found = bookings_visible(actor=actor).filter(pk=booking_id).first()
    if found is None:
        raise NotFound("booking", what_zh="该预约")
    return found


def booking_list(
    *, actor: Actor, day: date | None = None, active: bool = False
) -> QuerySet[Booking]:
    """The actor's bookings (a clerk: the outlet's), of one day if given, in slot order."""
    bookings = bookings_visible(actor=actor)
    if day is not None:
        bookings = bookings.filter(slot__day=day)
    if active:
        bookings = bookings.filter(status=BookingStatus.BOOKED)
    return bookings.order_by("slot__day", "slot__start", "pk")


def booking_person(
    *, actor: Actor, person_id: int | None = None, id_number: str | None = None
) -> Person:
    """Whom a booking is for: a clerk names them by full ID number (as at the counter); a
    holder books for themself, or for a child whose guardian they are (SH-09)."""
    if actor.role in CLERK_ROLES:
        if not id_number:
            raise BookingErrorCode.ID_NUMBER_REQUIRED.error()
        return person_find_by_id_number(actor=actor, id_number=id_number)
    if actor.role is Role.CARDHOLDER and actor.person_id is not None:
        scope = Q(pk=actor.person_id) | Q(guardian_id=actor.person_id)
        found = Person.objects.filter(scope).filter(pk=person_id or actor.person_id).first()
        if found is None:
            raise NotFound("person", what_zh="该人员")
        return found
    raise PermissionDenied("book a time slot", "预约办理时段")


def booking_persons(*, actor: Actor) -> list[Person]:
    """Whom a holder may book for: themself, then the children they are the guardian of."""
    if actor.role is not Role.CARDHOLDER or actor.person_id is None:
        return []
    persons = Person.objects.filter(Q(pk=actor.person_id) | Q(guardian_id=actor.person_id))
    return sorted(persons, key=lambda p: (p.pk != actor.person_id, p.pk))


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoadRow:
    """One outlet on one day: the places published, booked, and the share booked."""

    outlet_id: int
    outlet: str
    district: str
    day: date
    capacity: int
    booked: int

    @property
    def percent(self) -> int | None:
        """Booked places as a whole percentage of capacity (None where nothing is published)."""
        return round(100 * self.booked / self.capacity) if self.capacity else None


def booking_load(
    *, actor: Actor, start: date, weeks: int, district: str | None = None
) -> list[LoadRow]:
    """Capacity and booked places per outlet and day from ``start`` for ``weeks`` weeks, of the
    outlets in the actor's scope (a district officer: their district), by district, outlet and
    day. Only outlets and days with published slots appear."""
    if actor.role not in LOAD_READERS:
        raise PermissionDenied("see the load of the outlets", "查看网点预约负荷")
    if not 1 <= weeks <= LOAD_WEEKS_MAX:
        raise BookingErrorCode.LOAD_WEEKS_INVALID.error_with({"most": LOAD_WEEKS_MAX}, weeks=weeks)
    slots = TimeSlot.objects.filter(
        day__gte=start,
        day__lt=days_after(start, 7 * weeks),
        outlet__in=outlets_managed(actor=actor),
    )
    if district:
        slots = slots.filter(outlet__district=district)
    rows = (
        slots.values("outlet_id", "outlet__name", "outlet__district", "day")
        .annotate(capacity_sum=Sum("capacity"), booked_sum=Sum("booked"))
        .order_by("outlet__district", "outlet__name", "outlet_id", "day")
    )
    return [
        LoadRow(
            outlet_id=r["outlet_id"],
            outlet=r["outlet__name"],
            district=r["outlet__district"],
            day=r["day"],
            capacity=r["capacity_sum"] or 0,
            booked=r["booked_sum"] or 0,
        )
        for r in rows
    ]


def slot_is_open(slot: TimeSlot, now: datetime) -> bool:
    """Whether the slot still takes bookings (published, not begun): for listing."""
    return slot.capacity > 0 and not slot_begun(slot, now)

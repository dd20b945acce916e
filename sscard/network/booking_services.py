"""Writes of booked time slots (错峰, SH-10): publish capacity, book, move, cancel, attend, and
the reminder the day before.

Each runs in one transaction: lock, check (the predicates of ``booking_rules``), write, audit.
A place is taken by ONE conditional statement, ``booked = booked + 1 WHERE booked < capacity``:
on PostgreSQL concurrent bookers queue on the slot's row and each re-reads the condition once
the one before commits, so a slot of capacity 5 takes exactly 5 however many race for it (a
check constraint refuses an overbooked row as a last line). A partial unique index holds one
active booking per person and purpose.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.calendar import work_calendar
from sscard.core.errors import ApplicationError, NotFound
from sscard.kernel import regions
from sscard.kernel.workdays import CalendarCoverageError
from sscard.network.booking_errors import BookingErrorCode
from sscard.network.booking_rules import (
    CLERK_ROLES,
    attend_refusal,
    book_refusal,
    change_refusal,
    city_refusal,
    move_refusal,
    publish_refusal,
)
from sscard.network.booking_selectors import (
    booking_person,
    bookings_visible,
    outlet_managed,
    slots_next_free,
)
from sscard.network.choices import BookingChannel, BookingPurpose, BookingStatus
from sscard.network.models import Booking, Outlet, TimeSlot
from sscard.notifications.services import Recipient, holder_tell
from sscard.policy import Pack
from sscard.registry.models import Person

SLOT_OBJECT = "network.timeslot"
BOOKING_OBJECT = "network.booking"
#: The most places one slot may offer (a big centre's hour).
CAPACITY_MAX = 500
#: A weekly template is applied to at most this many days at once.
PUBLISH_DAYS_MAX = 92
REMINDER_TEMPLATE = "booking_reminder"
REMINDER_ACTOR = Actor.system("booking-reminders")


# --------------------------------------------------------------------------------------------
# Publishing capacity
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklySlot:
    """One cell of a weekly template: on ``weekday`` (0 Monday … 6 Sunday), from ``start`` to
    ``end``, ``capacity`` places (0: closed)."""

    weekday: int
    start: time
    end: time
    capacity: int


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What a publication wrote: slots created and changed, working days covered, rest days
    left out."""

    created: int
    updated: int
    working_days: int
    rest_days: int


def _check_capacity(capacity: int) -> None:
    whole = isinstance(capacity, int) and not isinstance(capacity, bool)
    if not whole or not 0 <= capacity <= CAPACITY_MAX:
        raise BookingErrorCode.CAPACITY_INVALID.error_with(
            {"most": CAPACITY_MAX}, capacity=str(capacity)[:20]
        )


def _check_times(start: time, end: time) -> None:
    """A slot is a local wall-clock span of one day: no time zone, its start before its end."""
    if start.tzinfo is not None or end.tzinfo is not None or not start < end:
        raise BookingErrorCode.SLOT_TIME_INVALID.error(start=str(start), end=str(end))


def _span(start: time, end: time) -> str:
    return f"{start:%H:%M}-{end:%H:%M}"


def _check_no_overlap(spans: Sequence[tuple[time, time]], *, day: date | None = None) -> None:
    ordered = sorted(spans)
    for (s1, e1), (s2, e2) in pairwise(ordered):
        if s2 < e1:
            where = f"{day.isoformat()} " if day else ""
            text = f"{where}{_span(s1, e1)} / {_span(s2, e2)}"
            raise BookingErrorCode.SLOT_OVERLAP.error_with({"time": text}, time=text)


def _check_template(template: Sequence[WeeklySlot]) -> None:
    if not template:
        raise BookingErrorCode.SLOT_TEMPLATE_EMPTY.error()
    by_weekday: defaultdict[int, list[tuple[time, time]]] = defaultdict(list)
    for cell in template:
        if not 0 <= cell.weekday <= 6:
            raise BookingErrorCode.SLOT_TIME_INVALID.error(weekday=cell.weekday)
        _check_times(cell.start, cell.end)
        _check_capacity(cell.capacity)
        by_weekday[cell.weekday].append((cell.start, cell.end))
    for spans in by_weekday.values():
        _check_no_overlap(spans)


def _working_days(date_from: date, date_to: date) -> tuple[list[date], int]:
    """The working days of the range, and how many rest days it holds. A year without an
    official schedule is refused (``calendar_not_covered``), never guessed."""
    calendar = work_calendar()
    days, rest = [], 0
    day = date_from
    while day <= date_to:
        try:
            working = calendar.is_working_day(day)
        except CalendarCoverageError as exc:
            raise ApplicationError.from_coded(exc, status=409) from exc
        if working:
            days.append(day)
        else:
            rest += 1
        day += timedelta(days=1)
    return days, rest


def _locked_outlet(actor: Actor, outlet_id: int) -> Outlet:
    outlet = outlet_managed(actor=actor, outlet_id=outlet_id)
    refusal = publish_refusal(actor=actor, outlet=outlet)
    if refusal is not None:
        raise refusal
    # One publisher of an outlet at a time; bookers are held by the slots' row locks below.
    return Outlet.objects.select_for_update().get(pk=outlet.pk)


def _below_booked(slot: TimeSlot, capacity: int) -> ApplicationError:
    values = {
        "day": slot.day.isoformat(),
        "time": _span(slot.start, slot.end),
        "booked": slot.booked,
    }
    return BookingErrorCode.CAPACITY_BELOW_BOOKED.error_with(values, slot_id=slot.pk)


@transaction.atomic
def slots_publish(
    *,
    actor: Actor,
    outlet_id: int,
    date_from: date,
    date_to: date,
    template: Sequence[WeeklySlot],
    now: datetime | None = None,
) -> PublishResult:
    """Apply a weekly template (weekday × slot → capacity) to the working days of a range.

    Rest days (weekends and public holidays, 调休 counted) get no slots; a weekend day made a
    working day (调休上班) takes its own weekday's row, so a template without a Saturday row
    opens nothing on a working Saturday. A slot already
    published at the same start takes the new end and capacity, never below what is booked;
    slots the template does not name are left as they are (a day's override stays). Nothing is
    written unless every day passes.
    """
    outlet = _locked_outlet(actor, outlet_id)
    _check_template(template)
    now = now or timezone.now()
    today = timezone.localdate(now)
    if not (today <= date_from <= date_to and (date_to - date_from).days < PUBLISH_DAYS_MAX):
        raise BookingErrorCode.SLOT_RANGE_INVALID.error_with(
            {"days": PUBLISH_DAYS_MAX}, date_from=str(date_from), date_to=str(date_to)
        )
    days, rest = _working_days(date_from, date_to)
    existing: defaultdict[date, dict[time, TimeSlot]] = defaultdict(dict)
    for slot in (
        TimeSlot.objects.select_for_update()
        .filter(outlet=outlet, day__gte=date_from, day__lte=date_to)
        .order_by("pk")
    ):
        existing[slot.day][slot.start] = slot
    by_weekday: defaultdict[int, list[WeeklySlot]] = defaultdict(list)
    for cell in template:
        by_weekday[cell.weekday].append(cell)
    created: list[TimeSlot] = []
    updated: list[TimeSlot] = []
    for day in days:
        there = existing.get(day, {})
        spans = {start: (s.start, s.end) for start, s in there.items() if s.capacity > 0}
        for cell in by_weekday.get(day.weekday(), ()):
            found = there.get(cell.start)
            if found is None:
                if cell.capacity:
                    created.append(
                        TimeSlot(
                            outlet=outlet,
                            day=day,
                            start=cell.start,
                            end=cell.end,
                            capacity=cell.capacity,
                            published_by=actor.label,
                            published_at=now,
                        )
                    )
                    spans[cell.start] = (cell.start, cell.end)
                continue
            if cell.capacity < found.booked:
                raise _below_booked(found, cell.capacity)
            if (found.capacity, found.end) != (cell.capacity, cell.end):
                found.capacity, found.end = cell.capacity, cell.end
                found.published_by, found.published_at = actor.label, now
                updated.append(found)
            if cell.capacity:
                spans[cell.start] = (cell.start, cell.end)
            else:
                spans.pop(cell.start, None)
        _check_no_overlap(list(spans.values()), day=day)
    TimeSlot.objects.bulk_create(created, batch_size=1000)
    TimeSlot.objects.bulk_update(
        updated, ["capacity", "end", "published_by", "published_at"], batch_size=1000
    )
    result = PublishResult(
        created=len(created), updated=len(updated), working_days=len(days), rest_days=rest
    )
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="slots_publish",
            object_type="network.outlet",
            object_id=str(outlet.pk),
            changes={
                "from": date_from.isoformat(),
                "to": date_to.isoformat(),
                "template": [[c.weekday, _span(c.start, c.end), c.capacity] for c in template],
                "created": result.created,
                "updated": result.updated,
            },
        ),
    )
    return result


@transaction.atomic
def slot_capacity_set(
    *,
    actor: Actor,
    outlet_id: int,
    day: date,
    start: time,
    end: time,
    capacity: int,
    now: datetime | None = None,
) -> TimeSlot:
    """Set one slot of one day (a day's override): open a slot, change its capacity (never
    below what is booked), or close it with 0. Any day from today on, a rest day too (an outlet
    may open on a Saturday)."""
    outlet = _locked_outlet(actor, outlet_id)
    _check_times(start, end)
    _check_capacity(capacity)
    now = now or timezone.now()
    if day < timezone.localdate(now):
        raise BookingErrorCode.SLOT_IN_PAST.error(day=day.isoformat())
    slots = {
        s.start: s
        for s in TimeSlot.objects.select_for_update().filter(outlet=outlet, day=day).order_by("pk")
    }
    slot = slots.get(start)
    others = [(s.start, s.end) for s in slots.values() if s.start != start and s.capacity > 0]
    if capacity:
        _check_no_overlap([*others, (start, end)], day=day)
    if slot is None:
        if not capacity:
            raise BookingErrorCode.SLOT_CLOSED.error(day=day.isoformat())
        slot = TimeSlot.objects.create(
            outlet=outlet,
            day=day,
            start=start,
            end=end,
            capacity=capacity,
            published_by=actor.label,
            published_at=now,
        )
        before: dict[str, object] = {}
    else:
        if capacity < slot.booked:
            raise _below_booked(slot, capacity)
        before = {"capacity": slot.capacity, "end": f"{slot.end:%H:%M}"}
        slot.capacity, slot.end, slot.published_by, slot.published_at = (
            capacity,
            end,
            actor.label,
            now,
        )
        slot.save(update_fields=["capacity", "end", "published_by", "published_at"])
    audit_append(
        actor=actor,
        fact=AuditFact(
            action="slot_capacity_set",
            object_type=SLOT_OBJECT,
            object_id=str(slot.pk),
            changes={
                "outlet": outlet.pk,
                "day": day.isoformat(),
                "time": _span(start, end),
                "capacity": capacity,
                "before": before,
            },
        ),
    )
    return slot


# --------------------------------------------------------------------------------------------
# Booking, moving, cancelling, attending
# --------------------------------------------------------------------------------------------


def _full(actor: Actor, slot: TimeSlot, now: datetime) -> ApplicationError:
    """``slot_full`` with the free slots offered instead (the clerk's: their outlet's only)."""
    offered = slots_next_free(slot=slot, now=now, outlet_only=actor.role in CLERK_ROLES)
    return BookingErrorCode.SLOT_FULL.error(
        slot_id=slot.pk, next_free=[o.as_dict() for o in offered]
    )


def _slot(slot_id: int) -> TimeSlot:
    slot = TimeSlot.objects.select_related("outlet").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound("time slot", what_zh="该时段")
    return slot


def _refuse(actor: Actor, slot: TimeSlot, refusal: ApplicationError | None, now: datetime) -> None:
    """Raise a predicate's refusal; a full slot's with the free slots offered instead."""
    if refusal is not None:
        raise _full(actor, slot, now) if refusal.code == "slot_full" else refusal


def _take_place(actor: Actor, slot: TimeSlot, now: datetime) -> None:
    """Take one place with one conditional statement, or answer ``slot_full``."""
    taken = TimeSlot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise _full(actor, slot, now)


def _channel(actor: Actor) -> str:
    return BookingChannel.COUNTER if actor.role in CLERK_ROLES else BookingChannel.ONLINE


def _write_booking(
    actor: Actor,
    person: Person,
    slot: TimeSlot,
    purpose: str,
    now: datetime,
    moved_from: Booking | None = None,
) -> Booking:
    try:
        with transaction.atomic():
            return Booking.objects.create(
                person=person,
                outlet_id=slot.outlet_id,
                slot=slot,
                purpose=purpose,
                channel=_channel(actor),
                booked_by=actor.label,
                booked_at=now,
                moved_from=moved_from,
            )
    except IntegrityError:
        # Another booking of the same person and purpose committed first (a race).
        raise BookingErrorCode.BOOKING_EXISTS.error(person_id=person.pk) from None


def _audit_booking(actor: Actor, action: str, booking: Booking, **changes: object) -> None:
    audit_append(
        actor=actor,
        fact=AuditFact(
            action=action,
            object_type=BOOKING_OBJECT,
            object_id=str(booking.pk),
            changes={
                "person_id": booking.person_id,
                "outlet": booking.outlet_id,
                "slot": booking.slot_id,
                "purpose": booking.purpose,
                **changes,
            },
        ),
    )


@transaction.atomic
def booking_make(
    *,
    actor: Actor,
    slot_id: int,
    purpose: str,
    person_id: int | None = None,
    id_number: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a place: the holder for themself or a child (``person_id``), a clerk for the person
    whose ID number they enter, at their own outlet. A full slot is refused with ``slot_full``
    and the next free slots in its details (``next_free``)."""
    if purpose not in BookingPurpose.values:
        raise BookingErrorCode.PURPOSE_INVALID.error()
    person = booking_person(actor=actor, person_id=person_id, id_number=id_number)
    now = now or timezone.now()
    slot = _slot(slot_id)
    _refuse(actor, slot, book_refusal(actor=actor, slot=slot, now=now), now)
    if refusal := city_refusal(person=person, slot=slot):
        raise refusal
    if Booking.objects.filter(person=person, purpose=purpose, status=BookingStatus.BOOKED).exists():
        raise BookingErrorCode.BOOKING_EXISTS.error(person_id=person.pk)
    _take_place(actor, slot, now)
    booking = _write_booking(actor, person, slot, purpose, now)
    _audit_booking(actor, "booking_make", booking, channel=booking.channel)
    return booking


def _locked_booking(actor: Actor, booking_id: int) -> Booking:
    found = bookings_visible(actor=actor).filter(pk=booking_id).first()
    if found is None:
        raise NotFound("booking", what_zh="该预约")
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("slot", "outlet", "person")
        .get(pk=found.pk)
    )


def _release(actor: Actor, booking: Booking, status: str, now: datetime) -> None:
    booking.status, booking.ended_by, booking.ended_at = status, actor.label, now
    booking.save(update_fields=["status", "ended_by", "ended_at"])
    TimeSlot.objects.filter(pk=booking.slot_id, booked__gt=0).update(booked=F("booked") - 1)


@transaction.atomic
def booking_cancel(*, actor: Actor, booking_id: int, now: datetime | None = None) -> Booking:
    """Cancel a booking before its slot begins; its place is free again at once."""
    booking = _locked_booking(actor, booking_id)
    now = now or timezone.now()
    refusal = change_refusal(actor=actor, booking=booking, now=now)
    if refusal is not None:
        raise refusal
    _release(actor, booking, BookingStatus.CANCELLED, now)
    _audit_booking(actor, "booking_cancel", booking)
    return booking


@transaction.atomic
def booking_move(
    *, actor: Actor, booking_id: int, slot_id: int, now: datetime | None = None
) -> Booking:
    """Move a booking to another slot: the old place is given back and the new one taken in
    one transaction, so a full new slot leaves the booking as it was (``slot_full``, with the
    next free slots)."""
    booking = _locked_booking(actor, booking_id)
    now = now or timezone.now()
    slot = _slot(slot_id)
    _refuse(actor, slot, move_refusal(actor=actor, booking=booking, slot=slot, now=now), now)
    if refusal := city_refusal(person=booking.person, slot=slot):
        raise refusal
    _release(actor, booking, BookingStatus.CANCELLED, now)
    _take_place(actor, slot, now)
    moved = _write_booking(actor, booking.person, slot, booking.purpose, now, moved_from=booking)
    _audit_booking(actor, "booking_move", moved, moved_from=booking.pk, from_slot=booking.slot_id)
    return moved


@transaction.atomic
def booking_attend(*, actor: Actor, booking_id: int, now: datetime | None = None) -> Booking:
    """Record at the counter that the person came (on the booked day); the place stays taken."""
    booking = _locked_booking(actor, booking_id)
    now = now or timezone.now()
    refusal = attend_refusal(actor=actor, booking=booking, today=timezone.localdate(now))
    if refusal is not None:
        raise refusal
    booking.status, booking.ended_by, booking.ended_at = BookingStatus.ATTENDED, actor.label, now
    booking.save(update_fields=["status", "ended_by", "ended_at"])
    _audit_booking(actor, "booking_attend", booking)
    return booking


# --------------------------------------------------------------------------------------------
# The reminder the day before
# --------------------------------------------------------------------------------------------

#: ``lookup(city_code)`` answers the pack in force for a city (or None). The network sits below
#: the campaigns, which know the pack in force: they register it when the apps are ready.
PackLookup = Callable[[str], Pack | None]
_pack_lookup: list[PackLookup] = []


def booking_pack_lookup_register(lookup: PackLookup) -> None:
    """Tell the reminders where a city's pack in force comes from (the campaigns' ready())."""
    _pack_lookup[:] = [lookup]


def _pack_for(city: str) -> Pack | None:
    return _pack_lookup[0](city) if _pack_lookup and city else None


def _recipient(person: Person) -> Recipient | None:
    """The person's phone, or their guardian's for a child without one (as sealed)."""
    for who in (person, person.guardian):
        if who is not None and who.phone_enc and who.phone_index and who.phone_masked:
            return Recipient(
                phone_index=bytes(who.phone_index),
                phone_enc=bytes(who.phone_enc),
                phone_masked=who.phone_masked,
                person_id=person.pk,
            )
    return None


@dataclass(frozen=True, slots=True)
class ReminderSummary:
    """What one run did: bookings of the day reminded, texts queued, bookings without a phone,
    and bookings left for a later run because their city's pack has no reminder template."""

    reminded: int
    queued: int
    no_phone: int
    no_template: int


@transaction.atomic
def booking_reminders_send(*, day: date, actor: Actor = REMINDER_ACTOR) -> ReminderSummary:
    """Queue one text per active booking of ``day`` (run the day before), from the pack in
    force for the outlet's city (template ``booking_reminder``; BJ-13 checked, no links).

    Idempotent: a booking is reminded once (``reminded_at``); the bookings are locked, so two
    runs at once never send twice. Bookings whose pack has no template are left unreminded.
    """
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(slot__day=day, status=BookingStatus.BOOKED, reminded_at__isnull=True)
        .select_related("slot", "outlet", "person", "person__guardian")
        .order_by("pk")
    )
    groups: defaultdict[int, list[Booking]] = defaultdict(list)
    for booking in bookings:
        groups[booking.slot_id].append(booking)
    now = timezone.now()
    done: list[int] = []
    queued = no_phone = no_template = 0
    packs: dict[str, Pack | None] = {}
    for members in groups.values():
        slot, outlet = members[0].slot, members[0].outlet
        city = regions.city_of(outlet.district)
        if city not in packs:
            packs[city] = _pack_for(city)
        pack = packs[city]
        if pack is None or REMINDER_TEMPLATE not in pack.templates:
            no_template += len(members)
            continue
        recipients = []
        for booking in members:
            recipient = _recipient(booking.person)
            if recipient is None:
                no_phone += 1
            else:
                recipients.append(recipient)
            done.append(booking.pk)
        queued += holder_tell(
            actor=actor,
            pack=pack,
            template_key=REMINDER_TEMPLATE,
            recipients=recipients,
            outlet=outlet.name,
            day=f"{slot.day.month}月{slot.day.day}日",
            time=_span(slot.start, slot.end),
        )
    if done:
        Booking.objects.filter(pk__in=done).update(reminded_at=now)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="booking_reminders_send",
                object_type=BOOKING_OBJECT,
                object_id=day.isoformat(),
                changes={"reminded": len(done), "queued": queued, "no_phone": no_phone},
            ),
        )
    return ReminderSummary(
        reminded=len(done), queued=queued, no_phone=no_phone, no_template=no_template
    )

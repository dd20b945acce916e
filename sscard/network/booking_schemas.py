"""API input and output of booked time slots (错峰, SH-10)."""

from __future__ import annotations

from datetime import date, time

from ninja import Field, Schema

from sscard.network.choices import BookingPurpose


class WeeklySlotIn(Schema):
    weekday: int = Field(..., ge=0, le=6, description="0 Monday … 6 Sunday")
    start: time = Field(..., description="e.g. 09:00")
    end: time = Field(..., description="e.g. 10:00")
    capacity: int = Field(..., ge=0, description="places; 0 closes the slot")


class PublishIn(Schema):
    """A weekly template applied to the working days from ``date_from`` to ``date_to``."""

    date_from: date
    date_to: date
    slots: list[WeeklySlotIn]


class PublishOut(Schema):
    created: int
    updated: int
    working_days: int
    rest_days: int


class SlotSetIn(Schema):
    """One slot of one day (an override): open it, change its capacity, or close it with 0."""

    day: date
    start: time
    end: time
    capacity: int = Field(..., ge=0)


class SlotOut(Schema):
    id: int
    outlet_id: int
    outlet: str
    day: date
    start: str
    end: str
    capacity: int
    booked: int
    free: int
    bookable: bool = Field(description="whether the caller may book it now (the page's button)")


class SlotFilter(Schema):
    outlet_id: int
    date_from: date | None = Field(None, description="default: today")
    days: int = Field(14, ge=1, le=28)


class BookingIn(Schema):
    """A holder names ``person_id`` (themself by default, or a child); a clerk ``id_number``."""

    slot_id: int
    purpose: BookingPurpose
    person_id: int | None = None
    id_number: str | None = Field(None, max_length=18)


class MoveIn(Schema):
    slot_id: int


class BookingFilter(Schema):
    day: date | None = None
    active: bool = False


class BookingOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(description="masked")
    person_id_number: str = Field(description="masked")
    outlet_id: int
    outlet: str
    slot_id: int
    day: date
    start: str
    end: str
    purpose: str
    status: str
    channel: str
    may_cancel: bool
    may_move: bool
    may_attend: bool


class LoadFilter(Schema):
    start: date | None = Field(None, description="default: today")
    weeks: int = 2
    district: str | None = None


class LoadOut(Schema):
    outlet_id: int
    outlet: str
    district: str
    day: date
    capacity: int
    booked: int
    percent: int | None

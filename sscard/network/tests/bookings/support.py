"""Set-ups the booked-slot tests share: a fixed "now", outlets with slots, people and actors.

The services take ``now`` (pages and the API leave it to the clock), so that every test runs on
days the official calendar covers, whatever day it is run on.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sscard.core.actors import Actor, Role
from sscard.network.booking_services import WeeklySlot, slot_capacity_set
from sscard.network.models import Outlet, TimeSlot
from sscard.registry.models import Person
from sscard.testing.factories import XICHENG, OutletFactory, PersonFactory

SYSTEM = Actor.system("test")
SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Monday of a covered year, 10:00 Beijing time.
NOW = datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI)
MONDAY = date(2026, 9, 21)
TUESDAY = date(2026, 9, 22)
WEDNESDAY = date(2026, 9, 23)
DONGCHENG = "110101"


def hm(text: str) -> time:
    return time.fromisoformat(text)


def week(capacity: int, *spans: str, weekdays: range = range(7)) -> list[WeeklySlot]:
    """A weekly template: each of ``spans`` ("09:00-10:00") on each weekday, ``capacity`` each."""
    cells = []
    for weekday in weekdays:
        for span in spans:
            start, end = span.split("-")
            cells.append(WeeklySlot(weekday, hm(start), hm(end), capacity))
    return cells


def outlet(**kwargs: Any) -> Outlet:
    return OutletFactory.create(**kwargs)


def centre(**kwargs: Any) -> Outlet:
    return OutletFactory.create(community_centre=True, **kwargs)


def slot(place: Outlet, day: date, span: str = "09:00-10:00", capacity: int = 2) -> TimeSlot:
    start, end = span.split("-")
    return slot_capacity_set(
        actor=SYSTEM,
        outlet_id=place.pk,
        day=day,
        start=hm(start),
        end=hm(end),
        capacity=capacity,
        now=NOW,
    )


def clerk(place: Outlet) -> Actor:
    role = Role.COMMUNITY_CLERK if place.kind == "community_centre" else Role.BANK_CLERK
    return Actor(role=role, label=f"clerk@{place.code}", outlet_id=place.pk)


def holder(person: Person) -> Actor:
    return Actor(role=Role.CARDHOLDER, label=f"holder{person.pk}", person_id=person.pk)


def city_officer() -> Actor:
    return Actor(role=Role.CITY_OFFICER, label="city", city_code="110000")


def district_officer(district: str = XICHENG) -> Actor:
    return Actor(role=Role.DISTRICT_OFFICER, label="district", district_code=district)


def person(**kwargs: Any) -> Person:
    return PersonFactory.create(**kwargs)


def counted(place: Outlet) -> list[tuple[date, str, int, int]]:
    """The outlet's slots as (day, "09:00-10:00", capacity, booked), in order."""
    return [
        (s.day, f"{s.start:%H:%M}-{s.end:%H:%M}", s.capacity, s.booked)
        for s in TimeSlot.objects.filter(outlet=place).order_by("day", "start")
    ]

"""Set-ups of the calendar tests: a unit's collective application on a day, and schedule files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sscard.applications.models import CollectiveApplication
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import branch, confirm_all, hr, in_force
from sscard.campaigns.models import Campaign
from sscard.core.actors import Actor, Role
from sscard.testing.factories import XICHENG, EmployerFactory, PersonFactory

EXAMPLE_2027 = Path(__file__).resolve().parents[3] / "docs" / "calendar" / "2027.example.yaml"
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer@bureau", user_id=None, city_code="110000")
# 2026-12-20 + 30 days (BJ-11, collective) = Tue 2027-01-19: a working day in the example.
DECEMBER_DAY = date(2026, 12, 20)
DUE_IN_EXAMPLE = date(2027, 1, 19)


def example_2027() -> bytes:
    return EXAMPLE_2027.read_bytes()


def official_2027() -> bytes:
    """The example's days, as a bureau would load them once published (no ``example`` line)."""
    text = EXAMPLE_2027.read_text(encoding="utf-8").replace("example: true\n", "")
    return text.replace(
        'source: "EXAMPLE — not an official notice (示例，非官方通知)"',
        'source: "test data shaped like 国办发明电〔2026〕N号"',
    ).encode()


def unit_applies_on(
    day: date, size: int = 2, *, bank: str = "ICBC", district: str = XICHENG
) -> CollectiveApplication:
    """A Beijing unit's collective application opened and submitted on ``day``."""
    if not Campaign.objects.filter(city_code="110000").exists():
        in_force("beijing-2024")
    employer = EmployerFactory.create(insured_district=district)
    staff = [
        PersonFactory.create(
            employer=employer, insured_region=district, hukou_region=district, address="北京市"
        )
        for _ in range(size)
    ]
    actor = hr(employer)
    collective = collective_open(actor=actor, day=day)
    outlet = branch(bank, district=district)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=day, pickup="branch", outlet_id=outlet.pk
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=day)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff, day)
    collective_submit(actor=actor, collective_id=collective.pk, day=day)
    collective.refresh_from_db()
    return collective

"""Set-ups the application tests share: a pack in force, people, outlets and actors."""

from __future__ import annotations

from datetime import date
from typing import Any

from sscard.applications.choices import RosterStatus
from sscard.applications.models import CollectiveApplication
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    roster_add_staff,
    roster_confirm,
)
from sscard.campaigns.models import Campaign
from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor, Role
from sscard.core.models import AuditEvent
from sscard.notifications.models import OutboxMessage
from sscard.policy import Pack, builtin_pack
from sscard.registry.models import Employer, Person
from sscard.testing.factories import (
    BankFactory,
    EmployerFactory,
    OutletFactory,
    PersonFactory,
    SchoolFactory,
)

SYSTEM = Actor.system("test")
BJ_PILOT_DAY = date(2024, 3, 4)
SH_DAY = date(2019, 9, 2)  # campaign and staff phases in force
SH_RETIREE_DAY = date(2019, 3, 4)
SH_PUPIL_DAY = date(2019, 4, 15)
JINGAN = "310106"
HUANGPU = "310101"


def in_force(pack_id: str, *, pack: Pack | None = None) -> Campaign:
    return campaign_put_in_force(actor=SYSTEM, pack=pack or builtin_pack(pack_id))


def bank(code: str = "ICBC") -> Any:
    return BankFactory.create(code=code, name_zh=code, name_en=code)


def branch(code: str = "ICBC", **kwargs: Any) -> Any:
    return OutletFactory.create(bank=bank(code), **kwargs)


def centre(**kwargs: Any) -> Any:
    return OutletFactory.create(community_centre=True, **kwargs)


def clerk(outlet: Any) -> Actor:
    role = Role.COMMUNITY_CLERK if outlet.kind == "community_centre" else Role.BANK_CLERK
    return Actor(role=role, label=f"clerk@{outlet.code}", outlet_id=outlet.pk)


def holder(person: Person) -> Actor:
    return Actor(role=Role.CARDHOLDER, label=f"holder{person.pk}", person_id=person.pk)


def hr(employer: Employer) -> Actor:
    return Actor(role=Role.EMPLOYER_HR, label=f"hr{employer.pk}", employer_id=employer.pk)


def shanghai_person(**kwargs: Any) -> Person:
    values: dict[str, Any] = {
        "hukou_region": HUANGPU,
        "insured_region": HUANGPU,
        "category": "flexible_worker",
        "address": "上海市黄浦区测试路1号",
    }
    values.update(kwargs)
    return PersonFactory.create(**values)


def shanghai_employer(*payroll: str) -> Employer:
    return EmployerFactory.create(insured_district=HUANGPU, payroll_banks=list(payroll or ["ICBC"]))


def pupil_with_parent(*, notified: date | None) -> tuple[Person, Person]:
    school = SchoolFactory.create(district=HUANGPU, notified_on=notified)
    parent = shanghai_person()
    child = shanghai_person(category="pupil", school=school, guardian=parent, phone="")
    return parent, child


def beijing_unit(size: int = 3, **kwargs: Any) -> tuple[Employer, list[Person]]:
    """A Xicheng employer (a pilot district) and its in-service staff."""
    employer = EmployerFactory.create(**kwargs)
    staff = [
        PersonFactory.create(employer=employer, address="北京市西城区测试街1号")
        for _ in range(size)
    ]
    return employer, staff


def written() -> tuple[int, ...]:
    """Counts of every table a refusal must leave untouched."""
    from sscard.applications.models import Application, Photo, RosterEntry

    return (
        Application.objects.count(),
        CollectiveApplication.objects.count(),
        RosterEntry.objects.count(),
        Photo.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def notified_collective(
    employer: Employer, *, day: date = BJ_PILOT_DAY, pickup: str = "branch"
) -> CollectiveApplication:
    """A collective application taken through steps 1–3 with the whole staff listed."""
    actor = hr(employer)
    collective = collective_open(actor=actor, day=day)
    outlet = branch("ICBC")
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=day, pickup=pickup, outlet_id=outlet.pk
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=day)
    return collective_notify(actor=actor, collective_id=collective.pk)


def confirm_all(collective: CollectiveApplication, persons: list[Person], day: date) -> None:
    for entry in collective.roster.filter(person__in=persons, status=RosterStatus.INVITED):
        roster_confirm(
            actor=holder(entry.person),
            entry_id=entry.pk,
            day=day,
            phone="13800138000",
            photo_source="id_card",
        )

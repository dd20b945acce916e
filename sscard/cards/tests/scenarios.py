"""Scenarios the card tests and the conformance tests share, built with the services only:
a Beijing pilot unit's staff applying collectively, a Shanghai resident applying at a
community centre for a posted card, a hospital asking about a card."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sscard.applications.models import Application
from sscard.applications.services import application_submit, collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    beijing_unit,
    centre,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
    shanghai_person,
)
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.network.models import Outlet
from sscard.registry.models import Employer, Person
from sscard.testing.factories import RelyingPartyFactory


@dataclass(frozen=True)
class PilotUnit:
    """A Xicheng employer whose staff applied collectively, and the outlet it chose."""

    employer: Employer
    staff: list[Person]
    outlet: Outlet
    applications: list[Application]


def beijing_pilot_unit(
    *, size: int = 1, pickup: str = "branch", day: date = BJ_PILOT_DAY
) -> PilotUnit:
    """BJ-06's four steps done: the staff's applications are submitted (ICBC, ``pickup``)."""
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=day, pickup=pickup)
    confirm_all(collective, staff, day)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=day)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    applications = list(Application.objects.filter(collective=collective).order_by("person_id"))
    return PilotUnit(employer, staff, collective.pickup_outlet, applications)


@dataclass(frozen=True)
class PostedApplication:
    """A Shanghai resident's first application at a community centre, posted, with a backup
    community centre for an undeliverable card (SH-06, SH-13)."""

    person: Person
    application: Application
    desk: Outlet
    backup: Outlet


def shanghai_posted_application(*, day: date = SH_DAY, bank: str = "BOSC") -> PostedApplication:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    person = shanghai_person()
    application = application_submit(
        actor=clerk(desk),
        person=person,
        channel="community_centre",
        action="first",
        day=day,
        bank=bank,
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    return PostedApplication(person, application, desk, backup)


def hospital() -> Actor:
    """A hospital's API client (a relying party of its own)."""
    party = RelyingPartyFactory.create()
    return Actor(role=Role.RELYING_PARTY, label=party.code, relying_party_id=party.pk)


def status(number: str, day: date) -> str:
    """What a hospital's reader is told about the card with this number on ``day``."""
    return str(card_verify(actor=hospital(), card_number=number, today=day).status)

"""Step 1 of a collective application: ``collective_open``."""

from __future__ import annotations

import pytest

from sscard.applications.services import collective_open
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    hr,
    in_force,
    written,
)
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db


def test_hr_opens_its_units_collective_application_online_and_it_is_audited() -> None:
    # given a Xicheng unit during the pilot
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    # when its HR opens a collective application
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    # then it is open online, with the decision that allowed it, and audited once
    assert (collective.channel, collective.step, collective.taken_at_outlet) == (
        "collective_online",
        "opened",
        None,
    )
    assert (collective.clause, collective.card_generation) == ("BJ-04", 3)
    event = AuditEvent.objects.get(action="collective_open")
    assert event.object_id == str(collective.pk)
    assert event.changes["channel"] == "collective_online"
    assert event.changes["on_behalf_of_employer"] == employer.pk
    assert event.changes["outlet_id"] is None
    assert event.pack_hash == collective.pack_hash


def test_a_bank_clerk_opens_one_offline_for_an_employer_at_the_outlet() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    outlet = branch("ICBC")
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=outlet.pk)
    collective = collective_open(actor=clerk, day=BJ_PILOT_DAY, employer_id=employer.pk)
    assert (collective.channel, collective.taken_at_outlet, collective.employer) == (
        "collective_offline",
        outlet,
        employer,
    )
    assert AuditEvent.objects.get(action="collective_open").changes["outlet_id"] == outlet.pk


def test_a_second_open_collective_for_the_same_employer_is_refused() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    assert refused.value.code == "collective_already_open"


def test_a_clerk_without_an_employer_named_finds_none_and_nothing_is_written() -> None:
    in_force("beijing-2024")
    clerk = Actor(role=Role.BANK_CLERK, label="clerk", outlet_id=branch("ICBC").pk)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=clerk, day=BJ_PILOT_DAY)
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert written() == before


@pytest.mark.parametrize("where", ["community_centre", "no_outlet", "officer"])
def test_only_hr_and_a_bank_clerk_at_a_branch_or_point_may_open(where: str) -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    actor = {
        "community_centre": Actor(
            role=Role.BANK_CLERK,
            label="clerk",
            outlet_id=OutletFactory.create(community_centre=True).pk,
        ),
        "no_outlet": Actor(role=Role.BANK_CLERK, label="clerk"),
        "officer": Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000"),
    }[where]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        collective_open(actor=actor, day=BJ_PILOT_DAY, employer_id=employer.pk)
    assert (refused.value.code, refused.value.status) == ("permission_denied", 403)
    assert written() == before

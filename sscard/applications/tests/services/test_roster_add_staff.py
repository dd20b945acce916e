"""The roster from the registry: ``roster_add_staff``."""

from __future__ import annotations

import pytest

from sscard.applications.services import (
    collective_open,
    roster_add_staff,
)
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    hr,
    in_force,
    written,
)
from sscard.core.errors import ApplicationError
from sscard.testing.factories import EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_roster_from_the_registry_lists_only_staff_the_engine_admits() -> None:
    in_force("beijing-2024")
    employer, _staff = beijing_unit(3)
    PersonFactory.create(employer=employer, category="retiree")
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    result = roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (result.added, result.already, dict(result.refused)) == (3, 0, {"not_pilot_target": 1})
    again = roster_add_staff(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    assert (again.added, again.already) == (0, 3)


def test_a_person_not_insured_with_the_employer_is_refused_and_nothing_is_listed() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(2)
    stranger = PersonFactory.create(employer=EmployerFactory.create())
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        roster_add_staff(
            actor=hr(employer),
            collective_id=collective.pk,
            day=BJ_PILOT_DAY,
            person_ids=[stranger.pk],
        )
    assert refused.value.code == "roster_not_insured_here"
    assert written() == before


def test_another_employers_hr_cannot_see_the_collective() -> None:
    in_force("beijing-2024")
    employer, _ = beijing_unit(1)
    collective = collective_open(actor=hr(employer), day=BJ_PILOT_DAY)
    with pytest.raises(ApplicationError) as refused:
        roster_add_staff(
            actor=hr(EmployerFactory.create()), collective_id=collective.pk, day=BJ_PILOT_DAY
        )
    assert refused.value.code == "not_found"

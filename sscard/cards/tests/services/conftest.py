"""Cards the service tests share, made through the services: a Beijing branch card handed over
at its branch (``collected``), and a Shanghai second-generation card in force (``held``)."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, in_force, shanghai_person
from sscard.cards.models import Card
from sscard.cards.tests.scenarios import PilotUnit, beijing_pilot_unit
from sscard.cards.tests.support import card
from sscard.registry.models import Person
from sscard.testing.card_life import collect_at, dispatch, produce


@pytest.fixture
def collected() -> tuple[PilotUnit, Card]:
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=BJ_PILOT_DAY))
    return unit, collect_at(unit.outlet, unit.applications[0])


@pytest.fixture
def held() -> tuple[Person, Card]:
    in_force("shanghai-2019")
    person = shanghai_person()
    return person, card(person, generation=2, ss_function="enabled", bank_code="BOSC")

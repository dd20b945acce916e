"""BJ-14: from June 2024, by insured and hukou location, centralised replacement in turn: all
staff, then flexible workers and retirees, then pupils and children."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import (
    DecisionRequest,
    EmployerFacts,
    PersonFacts,
    builtin_pack,
    decide,
    eligible_groups,
)
from sscard.policy.tests.packs import person
from sscard.registry.eligibility import eligible_persons
from sscard.testing.factories import EmployerFactory, PersonFactory

PACK = builtin_pack("beijing-2024")
JUNE = date(2024, 6, 3)
CHAOYANG = "110105"


def test_bj_14_the_pack_holds_the_later_phase() -> None:
    phase = PACK.phase("rollout")
    assert (phase.starts, phase.ends, phase.clause) == (date(2024, 6, 1), None, "BJ-14")
    assert phase.chosen  # the order is given, the later dates are not: the pack says so


def test_bj_14_staff_of_any_district_now_get_the_card_through_the_employer() -> None:
    chaoyang_staff = person(employer_district=CHAOYANG)
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", JUNE), chaoyang_staff
    )
    assert decision.allowed
    assert (decision.rule_id, decision.card_generation) == ("rollout-staff-collective", 3)
    unit = decide(
        PACK, DecisionRequest("collective", "collective_offline", JUNE), EmployerFacts(CHAOYANG)
    )
    assert unit.allowed


@pytest.mark.parametrize(
    "facts",
    [
        person(category="retiree", employer_district=None),
        person(category="flexible_worker", employer_district=None),
        person(category="pupil", employer_district=None),
        person(category="preschool_child", employer_district=None),
    ],
    ids=["retiree", "flexible", "pupil", "child"],
)
def test_bj_14_the_later_waves_are_not_open_yet(facts: PersonFacts | EmployerFacts) -> None:
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", JUNE), facts)
    assert (decision.allowed, decision.reason_code, decision.clause) == (
        False,
        "wave_not_open",
        "BJ-14",
    )


def test_bj_14_eligibility_follows_the_waves() -> None:
    staff = person(employer_district=CHAOYANG)
    assert "staff_citywide" in eligible_groups(PACK, staff, JUNE)
    assert "staff_citywide" not in eligible_groups(PACK, staff, date(2024, 5, 31))
    retiree = person(category="retiree", employer_district=None, hukou_region=CHAOYANG)
    assert "flexible_and_retirees" in eligible_groups(PACK, retiree, JUNE)


def test_bj_14_location_is_insured_or_hukou_location() -> None:
    # a retiree registered elsewhere but insured in Beijing belongs; one with neither does not
    insured_here = person(
        category="retiree", employer_district=None, hukou_region="130102", insured_region=CHAOYANG
    )
    elsewhere = person(
        category="retiree", employer_district=None, hukou_region="130102", insured_region="130102"
    )
    assert "flexible_and_retirees" in eligible_groups(PACK, insured_here, JUNE)
    assert eligible_groups(PACK, elsewhere, JUNE) == ("outside_beijing",)
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", JUNE), elsewhere)
    assert decision.reason_code == "not_eligible"


@pytest.mark.django_db
def test_bj_14_the_waves_select_their_populations() -> None:
    chaoyang = EmployerFactory.create(insured_district=CHAOYANG)
    staff = PersonFactory.create(employer=chaoyang)
    retiree = PersonFactory.create(category="retiree", hukou_region=CHAOYANG)
    pupil = PersonFactory.create(category="pupil", hukou_region="130102", insured_region=CHAOYANG)
    PersonFactory.create(category="retiree", hukou_region="130102", insured_region="130102")

    def ids(group: str) -> set[int]:
        return set(eligible_persons(PACK, group, today=JUNE).values_list("id", flat=True))

    assert ids("staff_citywide") == {staff.id}
    assert ids("flexible_and_retirees") == {retiree.id}
    assert ids("pupils_and_children") == {pupil.id}

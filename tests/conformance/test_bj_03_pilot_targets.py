"""BJ-03: the pilot targets are in-service staff of employers insured in 西城, 石景山, 怀柔."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import (
    Decision,
    DecisionRequest,
    EmployerFacts,
    PersonFacts,
    builtin_pack,
    decide,
)
from sscard.policy.tests.packs import person
from sscard.registry.eligibility import eligible_persons
from sscard.testing.factories import EmployerFactory, PersonFactory

PACK = builtin_pack("beijing-2024")
DAY = date(2024, 3, 5)
XICHENG, SHIJINGSHAN, HUAIROU, CHAOYANG = "110102", "110107", "110116", "110105"


def collective(facts: PersonFacts | EmployerFacts) -> Decision:
    return decide(PACK, DecisionRequest("collective", "collective_online", DAY), facts)


@pytest.mark.parametrize("district", [XICHENG, SHIJINGSHAN, HUAIROU])
def test_bj_03_staff_of_a_pilot_district_employer_are_targets(district: str) -> None:
    decision = collective(person(employer_district=district))
    assert decision.allowed
    assert decision.rule_id == "pilot-collective"


def test_bj_03_eligibility_follows_the_employers_district_not_the_persons() -> None:
    # given a staff member living and insured in Chaoyang whose employer is insured in Xicheng
    commuter = person(employer_district=XICHENG, hukou_region=CHAOYANG, insured_region=CHAOYANG)
    # then they are a pilot target
    assert collective(commuter).allowed


@pytest.mark.parametrize(
    "facts",
    [
        person(category="retiree", employer_district=XICHENG),
        person(employer_district=CHAOYANG),
        person(category="flexible_worker", employer_district=None),
    ],
    ids=["xicheng-retiree", "chaoyang-staff", "flexible-worker"],
)
def test_bj_03_others_are_not_pilot_targets(facts: PersonFacts | EmployerFacts) -> None:
    decision = collective(facts)
    assert not decision.allowed
    assert decision.reason_code == "not_pilot_target"
    assert decision.clause == "BJ-03"
    assert decision.message_zh
    assert decision.message_en


def test_bj_03_employers_of_the_pilot_districts_may_apply_collectively() -> None:
    assert collective(EmployerFacts(insured_district=HUAIROU)).allowed
    refused = collective(EmployerFacts(insured_district=CHAOYANG))
    assert refused.reason_code == "not_pilot_target"


@pytest.mark.django_db
def test_bj_03_the_whole_population_of_targets_is_selected_in_one_query() -> None:
    # given staff and retirees of employers in pilot and other districts
    xicheng = EmployerFactory.create(insured_district=XICHENG)
    huairou = EmployerFactory.create(insured_district=HUAIROU)
    chaoyang = EmployerFactory.create(insured_district=CHAOYANG)
    targets = {
        PersonFactory.create(employer=xicheng).id,
        PersonFactory.create(employer=huairou, hukou_region=CHAOYANG).id,
    }
    PersonFactory.create(employer=chaoyang)
    PersonFactory.create(employer=xicheng, category="retiree")
    PersonFactory.create(employer=None, insured_region=XICHENG)
    # when the pilot group is selected
    selected = set(eligible_persons(PACK, "pilot_staff", today=DAY).values_list("id", flat=True))
    # then exactly the in-service staff of pilot-district employers are
    assert selected == targets

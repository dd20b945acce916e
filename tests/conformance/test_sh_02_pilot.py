"""SH-02: the pilot from July 2018 in 静安, 普陀, 浦东 for retirees, pupils and staff through
different channels, and the figures reported on 2018-12-20."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import DecisionRequest, EmployerFacts, builtin_pack, decide
from sscard.policy.tests.packs import shanghai_person

PACK = builtin_pack("shanghai-2019")
DAY = date(2018, 9, 3)


def test_sh_02_the_pilot_is_part_of_the_pack() -> None:
    phase = PACK.phase("pilot")
    assert (phase.starts, phase.ends, phase.clause) == (
        date(2018, 7, 1),
        date(2018, 12, 31),
        "SH-02",
    )


@pytest.mark.parametrize("district", ["310106", "310107", "310115"])
def test_sh_02_pilot_district_retirees_are_served(district: str) -> None:
    retiree = shanghai_person(hukou_region=district, insured_region=district)
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", DAY), retiree)
    assert (decision.allowed, decision.rule_id) == (True, "pilot-retirees")


def test_sh_02_each_group_has_its_own_channel() -> None:
    pupil = shanghai_person(category="pupil", birth_date=date(2010, 9, 1))
    assert decide(PACK, DecisionRequest("migrate", "parent_online", DAY), pupil).allowed
    unit = EmployerFacts("310115", ("SPDB",))
    decision = decide(PACK, DecisionRequest("collective", "collective_offline", DAY), unit)
    assert (decision.allowed, decision.bank_default) == (True, "SPDB")


def test_sh_02_other_districts_wait_for_the_campaign() -> None:
    retiree = shanghai_person(hukou_region="310104", insured_region="310104")
    decision = decide(PACK, DecisionRequest("migrate", "bank_outlet", DAY), retiree)
    assert (decision.allowed, decision.reason_code) == (False, "no_rule")


def test_sh_02_the_reported_figures() -> None:
    figures = {f.id: f for f in PACK.figures}
    assert figures["applications_total"].value == 2_850_000
    assert figures["applications_at_outlets"].value == 2_780_000
    assert figures["applications_online"].value == 70_000
    assert figures["cards_made"].value == figures["cards_issued"].value == 1_740_000
    assert {f.as_of for f in figures.values()} == {date(2018, 12, 20)}
    assert (
        figures["applications_at_outlets"].value + figures["applications_online"].value
        == figures["applications_total"].value
    )

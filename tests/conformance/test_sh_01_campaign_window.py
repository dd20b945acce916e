"""SH-01: the campaign runs from January 2019 to the end of 2020, for all Shanghai-hukou
residents and (mostly) for non-hukou insured persons."""

from __future__ import annotations

from datetime import date

from sscard.policy import (
    Decision,
    DecisionRequest,
    EmployerFacts,
    PersonFacts,
    builtin_pack,
    decide,
)
from sscard.policy.tests.packs import shanghai_person

PACK = builtin_pack("shanghai-2019")
# A flexible worker: in no scheduled group, so answered by the campaign-wide rules.
RESIDENT = shanghai_person(
    category="flexible_worker", hukou_region="310101", insured_region="310101"
)


def migrate(day: date, facts: PersonFacts | EmployerFacts = RESIDENT) -> Decision:
    return decide(PACK, DecisionRequest("migrate", "bank_outlet", day), facts)


def test_sh_01_the_campaign_phase_is_the_notice_window() -> None:
    phase = PACK.phase("campaign")
    assert (phase.starts, phase.ends, phase.clause) == (
        date(2019, 1, 1),
        date(2020, 12, 31),
        "SH-01",
    )
    assert PACK.window == (date(2018, 7, 1), date(2020, 12, 31))


def test_sh_01_the_campaign_is_open_from_its_first_to_its_last_day() -> None:
    for day in (date(2019, 1, 1), date(2020, 6, 15), date(2020, 12, 31)):
        decision = migrate(day)
        assert decision.allowed, day
        assert decision.phase_id == "campaign"
        assert decision.card_generation == 3


def test_sh_01_after_2020_no_campaign_is_in_force() -> None:
    decision = migrate(date(2021, 1, 1))
    assert decision.reason_code == "no_campaign_in_force"
    assert "2021-01-01" in decision.message_zh


def test_sh_01_before_2019_only_the_pilot_districts_are_served() -> None:
    # outside the pilot districts, December 2018 has no rule for a resident
    assert migrate(date(2018, 12, 31)).reason_code == "no_rule"


def test_sh_01_hukou_residents_and_non_hukou_insured_persons_are_both_served() -> None:
    non_hukou_insured = shanghai_person(
        category="flexible_worker", hukou_region="340102", insured_region="310115"
    )
    assert migrate(date(2019, 3, 1), non_hukou_insured).allowed
    hukou_not_insured = shanghai_person(category="other", hukou_region="310104", insured_region="")
    assert migrate(date(2019, 3, 1), hukou_not_insured).allowed

"""BJ-05: during the pilot no individual applications for the 3rd-gen card, on any channel."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import DecisionRequest, builtin_pack, decide
from sscard.policy.tests.packs import person

PACK = builtin_pack("beijing-2024")
INDIVIDUAL_CHANNELS = ["online", "bank_outlet", "instant_outlet", "community_centre"]
PILOT_DAYS = [date(2024, 1, 31), date(2024, 3, 15), date(2024, 5, 31)]


@pytest.mark.parametrize("day", PILOT_DAYS)
@pytest.mark.parametrize("channel", INDIVIDUAL_CHANNELS)
@pytest.mark.parametrize("action", ["first", "migrate"])
def test_bj_05_a_pilot_target_cannot_apply_individually(
    action: str, channel: str, day: date
) -> None:
    # given a pilot target (new insured person or card holder) applying alone
    decision = decide(PACK, DecisionRequest(action, channel, day), person())  # type: ignore[arg-type]
    # then the application is refused, citing BJ-05, with no card offered
    assert not decision.allowed
    assert decision.reason_code == "individual_third_gen_closed"
    assert decision.clause == "BJ-05"
    assert decision.card_generation is None
    assert "不受理个人申领" in decision.message_zh
    assert "individual" in decision.message_en


@pytest.mark.parametrize("channel", INDIVIDUAL_CHANNELS)
def test_bj_05_holders_of_old_cards_cannot_ask_for_the_new_card(channel: str) -> None:
    # given a holder of a 2nd-gen card outside the pilot, asking for the 3rd-gen card alone
    holder = person(category="retiree", employer_district=None)
    decision = decide(PACK, DecisionRequest("migrate", channel, date(2024, 4, 1)), holder)
    assert (decision.allowed, decision.reason_code) == (False, "individual_third_gen_closed")
    assert decision.clause == "BJ-05"


def test_bj_05_the_refusal_names_its_rule_and_phase() -> None:
    decision = decide(PACK, DecisionRequest("first", "online", date(2024, 2, 1)), person())
    assert (decision.phase_id, decision.rule_id) == ("pilot", "pilot-individual-closed-targets")
    assert decision.pack_hash == PACK.content_hash


def test_bj_05_the_same_person_gets_the_card_through_the_employer() -> None:
    decision = decide(
        PACK, DecisionRequest("collective", "collective_offline", date(2024, 2, 1)), person()
    )
    assert decision.allowed
    assert decision.card_generation == 3

"""BJ-10: from 2024-01-31 pilot targets' collective applications and replacements yield the
3rd-gen card; everyone else keeps the old channels and the old card style."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import DecisionRequest, builtin_pack, decide
from sscard.policy.tests.packs import person

PACK = builtin_pack("beijing-2024")
DAY = date(2024, 4, 10)
TARGET = person()
OTHER = person(employer_district="110105")  # staff of a Chaoyang (朝阳) employer


@pytest.mark.parametrize("action", ["replace_lost", "replace_damaged"])
def test_bj_10_a_pilot_targets_replacement_is_third_generation(action: str) -> None:
    decision = decide(PACK, DecisionRequest(action, "bank_outlet", DAY), TARGET)  # type: ignore[arg-type]
    assert (decision.allowed, decision.card_generation) == (True, 3)


@pytest.mark.parametrize("action", ["first", "replace_lost", "replace_damaged"])
@pytest.mark.parametrize("channel", ["bank_outlet", "online"])
def test_bj_10_others_keep_the_old_channels_and_card(action: str, channel: str) -> None:
    decision = decide(PACK, DecisionRequest(action, channel, DAY), OTHER)  # type: ignore[arg-type]
    assert decision.allowed
    assert (decision.card_generation, decision.clause) == (2, "BJ-10")
    assert PACK.card(2) is not None
    assert PACK.card(2).interfaces == ("contact",)  # type: ignore[union-attr]


def test_bj_10_the_old_card_stays_valid_until_the_new_one_is_enabled() -> None:
    transition = PACK.transition
    assert transition.old_card_valid_until == "new_card_enabled"
    assert transition.old_card_recalled is False
    assert transition.old_financial_account == "holder_may_close"
    assert transition.clause == "BJ-10"

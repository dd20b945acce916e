"""SH-06: bank outlets, bank with employer in batch, online self-service; meanwhile lost-card
replacements and first applications go to community acceptance centres."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.policy import DecisionRequest, EmployerFacts, PersonFacts, builtin_pack, decide
from sscard.policy.tests.packs import shanghai_person

PACK = builtin_pack("shanghai-2019")
DAY = date(2019, 5, 6)
RETIREE = shanghai_person()
STAFF = shanghai_person(category="in_service_staff", employer_district="310101")
PUPIL = shanghai_person(category="pupil", birth_date=date(2010, 9, 1), school_notified_on=DAY)


@pytest.mark.parametrize("action", ["first", "replace_lost", "replace_damaged"])
def test_sh_06_replacements_and_first_applications_at_a_bank_are_redirected(action: str) -> None:
    decision = decide(PACK, DecisionRequest(action, "bank_outlet", DAY), RETIREE)  # type: ignore[arg-type]
    assert not decision.allowed
    assert (decision.reason_code, decision.redirect_to, decision.clause) == (
        "use_community_centre",
        "community_centre",
        "SH-06",
    )
    assert "社区事务受理中心" in decision.message_zh
    assert "community" in decision.message_en


@pytest.mark.parametrize("action", ["first", "replace_lost", "replace_damaged"])
def test_sh_06_the_community_centre_takes_them(action: str) -> None:
    decision = decide(PACK, DecisionRequest(action, "community_centre", DAY), RETIREE)  # type: ignore[arg-type]
    assert decision.allowed
    assert decision.card_generation == 3


def test_sh_06_the_redirection_holds_through_the_whole_campaign() -> None:
    for day in (date(2019, 1, 1), date(2020, 12, 31)):
        decision = decide(PACK, DecisionRequest("first", "bank_outlet", day), STAFF)
        assert decision.redirect_to == "community_centre"


@pytest.mark.parametrize(
    ("facts", "channel", "allowed"),
    [
        (RETIREE, "bank_outlet", True),
        (RETIREE, "community_centre", True),
        (RETIREE, "parent_online", False),
        (RETIREE, "collective_online", False),
        (PUPIL, "parent_online", True),
        (PUPIL, "bank_outlet", False),
        (STAFF, "bank_outlet", False),
        (STAFF, "online", False),
    ],
)
def test_sh_06_each_group_has_its_channels(
    facts: PersonFacts | EmployerFacts, channel: str, allowed: bool
) -> None:
    decision = decide(PACK, DecisionRequest("migrate", channel, DAY), facts)
    assert decision.allowed is allowed, decision.message_en


def test_sh_06_staff_use_the_batch_through_their_employer() -> None:
    day = date(2019, 9, 2)
    decision = decide(PACK, DecisionRequest("collective", "collective_offline", day), STAFF)
    assert decision.allowed
    assert decision.rule_id == "staff-collective"


def test_sh_06_others_use_bank_outlets_or_online_self_service() -> None:
    flexible = shanghai_person(category="flexible_worker")
    for channel in ("bank_outlet", "online"):
        decision = decide(PACK, DecisionRequest("migrate", channel, DAY), flexible)
        assert decision.allowed
        assert decision.rule_id == "campaign-others"

"""BJ-02: the pilot runs from 2024-01-31 to the end of May 2024 (Asia/Shanghai dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sscard.policy import Decision, DecisionRequest, builtin_pack, decide
from sscard.policy.tests.packs import person

PACK = builtin_pack("beijing-2024")
PILOT_STAFF = person()  # in-service staff of a Xicheng (西城) employer


def collective(day: date | datetime) -> Decision:
    return decide(PACK, DecisionRequest("collective", "collective_online", day), PILOT_STAFF)


def test_bj_02_the_pilot_phase_is_the_notice_window() -> None:
    phase = PACK.phase("pilot")
    assert (phase.starts, phase.ends, phase.clause) == (
        date(2024, 1, 31),
        date(2024, 5, 31),
        "BJ-02",
    )


def test_bj_02_nothing_is_in_force_before_the_pilot() -> None:
    # given a pilot target on the day before the pilot
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", date(2024, 1, 30)), PILOT_STAFF
    )
    # then the answer is "no campaign in force", not an error
    assert (decision.allowed, decision.reason_code) == (False, "no_campaign_in_force")
    assert "2024-01-30" in decision.message_zh
    assert "no campaign in force on 2024-01-30" in decision.message_en


def test_bj_02_collective_applications_open_on_the_first_day() -> None:
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", date(2024, 1, 31)), PILOT_STAFF
    )
    assert decision.allowed
    assert (decision.phase_id, decision.card_generation) == ("pilot", 3)


def test_bj_02_the_last_day_of_may_is_still_the_pilot() -> None:
    decision = decide(
        PACK, DecisionRequest("collective", "collective_offline", date(2024, 5, 31)), PILOT_STAFF
    )
    assert decision.allowed
    assert decision.phase_id == "pilot"


def test_bj_02_the_pilot_closes_after_may_31() -> None:
    # when a collective application comes on 1 June
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", date(2024, 6, 1)), PILOT_STAFF
    )
    # then the pilot phase no longer decides it (the city-wide wave of BJ-14 does)
    assert decision.phase_id != "pilot"
    assert PACK.phases_on(date(2024, 6, 1)) == (PACK.phase("rollout"),)


def test_bj_02_dates_are_beijing_dates() -> None:
    # 2024-05-31 16:30 UTC is already 1 June 00:30 in Beijing
    late = datetime(2024, 5, 31, 16, 30, tzinfo=UTC)
    decision = decide(PACK, DecisionRequest("collective", "collective_online", late), PILOT_STAFF)
    assert decision.phase_id == "rollout"
    # and 2024-01-30 16:30 UTC is the pilot's first day in Beijing
    early = datetime(2024, 1, 30, 16, 30, tzinfo=UTC)
    decision = decide(PACK, DecisionRequest("collective", "collective_online", early), PILOT_STAFF)
    assert decision.phase_id == "pilot"

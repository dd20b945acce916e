"""BJ-11: instant outlet on the spot; regular outlet within 4 working days; collective within
30 days; postage excluded. Working days follow the official calendar (调休 weekends work);
periods follow the Civil Code (start day not counted; a period ending on a rest day ends on the
next working day)."""

from __future__ import annotations

from datetime import date

from sscard.kernel.workdays import WorkCalendar
from sscard.policy import DecisionRequest, builtin_pack, decide, due_date
from sscard.policy.tests.packs import person

PACK = builtin_pack("beijing-2024")
PILOT_TARGET = person()


def test_bj_11_regular_replacement_over_the_2024_spring_festival() -> None:
    # given a lost card reported at a regular (non-instant) outlet on Thu 2024-02-08
    decision = decide(
        PACK, DecisionRequest("replace_lost", "bank_outlet", date(2024, 2, 8)), PILOT_TARGET
    )
    # then the card is due on 2024-02-20: 02-09 (除夕) was a working day (1); 02-10..17 were
    # the holiday; Sun 02-18 was a 调休 working day (2); 02-19 (3); 02-20 (4)
    assert decision.allowed
    assert (decision.due_rule, decision.due_date) == ("regular_outlet", date(2024, 2, 20))
    assert decision.card_generation == 3
    assert decision.clause == "BJ-11"


def test_bj_11_a_tiaoxiu_sunday_counts_as_a_working_day() -> None:
    # Fri 2024-02-02: Sat 02-03 rest, Sun 02-04 调休 working (1), 02-05 (2), 02-06 (3), 02-07 (4)
    decision = decide(
        PACK, DecisionRequest("replace_damaged", "bank_outlet", date(2024, 2, 2)), PILOT_TARGET
    )
    assert decision.due_date == date(2024, 2, 7)


def test_bj_11_instant_outlet_makes_the_card_in_the_same_visit() -> None:
    decision = decide(
        PACK, DecisionRequest("replace_lost", "instant_outlet", date(2024, 2, 8)), PILOT_TARGET
    )
    assert decision.allowed
    assert (decision.due_rule, decision.due_date) == ("instant_outlet", date(2024, 2, 8))
    assert decision.pickup_methods == ("on_the_spot",)


def test_bj_11_a_collective_period_ending_on_a_rest_day_moves_to_the_next_working_day() -> None:
    # 30 days from 2024-01-11 end on Sat 02-10, inside the Spring Festival (02-10..17): the
    # period ends on the next working day, the 调休 Sunday 02-18
    assert due_date(PACK, "collective", date(2024, 1, 11)) == date(2024, 2, 18)
    # through the engine: 30 days from Fri 2024-03-01 end on Sun 03-31 -> Mon 04-01
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", date(2024, 3, 1)), PILOT_TARGET
    )
    assert (decision.due_rule, decision.due_date) == ("collective", date(2024, 4, 1))


def test_bj_11_a_collective_period_ending_on_a_working_day_stays() -> None:
    # 30 days from Wed 2024-01-31 end on Fri 03-01, a working day
    decision = decide(
        PACK, DecisionRequest("collective", "collective_online", date(2024, 1, 31)), PILOT_TARGET
    )
    assert decision.due_date == date(2024, 3, 1)


def test_bj_11_time_in_the_post_is_excluded() -> None:
    assert PACK.due_rules["collective"].excludes == ("postage",)
    assert PACK.due_rules["regular_outlet"].excludes == ("postage",)
    decision = decide(
        PACK, DecisionRequest("replace_lost", "bank_outlet", date(2024, 2, 8)), PILOT_TARGET
    )
    assert "不含邮寄在途时间" in decision.message_zh
    assert "post excluded" in decision.message_en


def test_bj_11_a_year_the_calendar_does_not_know_gives_no_due_date_and_says_so() -> None:
    only_2023 = WorkCalendar([WorkCalendar.default().schedules[2023]])
    decision = decide(
        PACK,
        DecisionRequest("replace_lost", "bank_outlet", date(2024, 2, 8)),
        PILOT_TARGET,
        calendar=only_2023,
    )
    assert decision.allowed
    assert (decision.reason_code, decision.due_date) == ("calendar_not_covered", None)
    assert "2024" in decision.message_zh

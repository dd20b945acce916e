"""The official working-day calendar and Civil Code period arithmetic (BJ-11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sscard.kernel.errors import KernelError
from sscard.kernel.workdays import (
    CalendarCoverageError,
    PeriodError,
    ScheduleError,
    WorkCalendar,
    YearSchedule,
    load_schedule,
)

CAL = WorkCalendar.default()
PACKAGE_FIRST_YEAR = min(chinese_calendar.holidays).year
PACKAGE_LAST_YEAR = max(chinese_calendar.holidays).year

# A made-up 2027 schedule, shaped like a State Council notice (NOT the official one), used to
# check how malformed input is reported.
SCHEDULE_2027: dict[str, Any] = {
    "year": 2027,
    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
    "working_weekends": ["2027-01-09"],
    "source": "test data shaped like 国务院办公厅关于2027年部分节假日安排的通知",
}


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- coverage --------------------------------------------------------------------------------


def test_coverage_is_what_the_package_holds() -> None:
    # given the default calendar
    # then it covers exactly the package's years, whatever they are in this version
    assert min(CAL.years) == PACKAGE_FIRST_YEAR
    assert max(CAL.years) == PACKAGE_LAST_YEAR
    assert CAL.covers(date(PACKAGE_LAST_YEAR, 12, 31))
    assert not CAL.covers(date(PACKAGE_LAST_YEAR + 1, 1, 1))
    assert not CAL.covers(date(PACKAGE_FIRST_YEAR - 1, 12, 31))


def test_the_calendar_agrees_with_the_package_day_by_day() -> None:
    day = date(PACKAGE_FIRST_YEAR, 1, 1)
    while day.year <= PACKAGE_LAST_YEAR:
        assert CAL.is_working_day(day) == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_a_day_outside_every_schedule_is_never_guessed() -> None:
    beyond = date(PACKAGE_LAST_YEAR + 1, 3, 3)
    with pytest.raises(CalendarCoverageError) as caught:
        CAL.is_working_day(beyond)
    assert caught.value.code == "calendar_not_covered"
    assert str(beyond.year) in caught.value.message_zh
    assert isinstance(caught.value, KernelError)


def test_arithmetic_that_runs_past_the_known_years_raises() -> None:
    last_day = date(PACKAGE_LAST_YEAR, 12, 31)
    with pytest.raises(CalendarCoverageError):
        CAL.add_working_days(last_day - timedelta(days=3), 10)
    with pytest.raises(CalendarCoverageError):
        CAL.add_calendar_days(last_day - timedelta(days=3), 30)
    with pytest.raises(CalendarCoverageError):
        CAL.add_working_days(last_day, 1)


# -- the 2024 Spring Festival (国办发明电〔2023〕7号) --------------------------------------------


def test_spring_festival_2024_rest_and_working_days() -> None:
    # The notice: 2月10日至17日放假调休，共8天；2月4日（星期日）、2月18日（星期日）上班。
    # 除夕 (Fri 2月9日) is NOT a holiday in it (employers are only "encouraged" to give it off),
    # and the chinesecalendar data agrees: 2024-02-09 is neither in holidays nor a rest day.
    for offset in range(8):
        assert not CAL.is_working_day(d("2024-02-10") + timedelta(days=offset))
    assert CAL.is_working_day(d("2024-02-04"))  # Sunday, 调休 working day
    assert CAL.is_working_day(d("2024-02-18"))  # Sunday, 调休 working day
    assert CAL.is_working_day(d("2024-02-09"))  # 除夕, a Friday, an ordinary working day
    assert d("2024-02-09") not in chinese_calendar.holidays


def test_four_working_days_across_the_spring_festival() -> None:
    # given Thu 2024-02-08, the working days after it are
    # Fri 02-09 (1), Sun 02-18 (2, 调休), Mon 02-19 (3), Tue 02-20 (4)
    assert CAL.add_working_days(d("2024-02-08"), 1) == d("2024-02-09")
    assert CAL.add_working_days(d("2024-02-08"), 2) == d("2024-02-18")
    assert CAL.add_working_days(d("2024-02-08"), 3) == d("2024-02-19")
    assert CAL.add_working_days(d("2024-02-08"), 4) == d("2024-02-20")


def test_a_period_ending_on_a_holiday_moves_to_the_next_working_day() -> None:
    # given 30 days from 2024-01-11: the last day 2024-02-10 is a Spring Festival holiday
    assert d("2024-01-11") + timedelta(days=30) == d("2024-02-10")
    # then the period ends on the first working day after the holiday: Sunday 02-18 (调休)
    assert CAL.add_calendar_days(d("2024-01-11"), 30) == d("2024-02-18")


def test_a_period_ending_on_national_day_moves_past_the_golden_week() -> None:
    assert CAL.add_calendar_days(d("2024-09-01"), 30) == d("2024-10-08")


def test_a_period_ending_on_an_ordinary_weekend_moves_to_monday() -> None:
    assert CAL.add_calendar_days(d("2024-03-01"), 8) == d("2024-03-11")  # Sat 03-09 -> Mon


def test_a_period_ending_on_a_working_sunday_stays_there() -> None:
    assert CAL.add_calendar_days(d("2024-02-11"), 7) == d("2024-02-18")


def test_the_start_day_is_not_counted() -> None:
    assert CAL.add_calendar_days(d("2024-03-04"), 1) == d("2024-03-05")
    assert CAL.add_working_days(d("2024-03-04"), 1) == d("2024-03-05")
    # starting on a rest day changes nothing: counting begins the day after
    assert CAL.add_working_days(d("2024-02-10"), 1) == d("2024-02-18")


def test_zero_days_is_the_same_day() -> None:
    assert CAL.add_calendar_days(d("2024-02-10"), 0) == d("2024-02-10")
    assert CAL.add_working_days(d("2024-02-10"), 0) == d("2024-02-10")


def test_negative_periods_are_refused() -> None:
    for call in (CAL.add_calendar_days, CAL.add_working_days):
        with pytest.raises(PeriodError) as caught:
            call(d("2024-03-04"), -1)
        assert caught.value.code == "period_negative"


# -- bureau-loaded schedules -----------------------------------------------------------------


def test_a_loaded_schedule_extends_coverage() -> None:
    # given the package calendar, which does not know the year after its last one
    year = PACKAGE_LAST_YEAR + 1
    new_year = date(year, 1, 1)
    assert not CAL.covers(new_year)
    # when the bureau loads that year's (here: made-up) schedule
    saturday = date(year, 1, 8) + timedelta(days=(5 - date(year, 1, 8).weekday()) % 7)
    schedule = load_schedule(
        {
            "year": year,
            "holidays": [f"{year}-01-01", f"{year}-01-02", f"{year}-01-03"],
            "working_weekends": [saturday.isoformat()],
            "source": "test data shaped like a State Council notice",
        }
    )
    calendar = CAL.with_schedules(schedule)
    # then arithmetic crosses into the new year using its holidays and working weekends
    first_weekday_after = date(year, 1, 4)
    while first_weekday_after.weekday() >= 5:
        first_weekday_after += timedelta(days=1)
    assert not calendar.is_working_day(new_year)
    assert calendar.is_working_day(saturday)
    assert calendar.add_working_days(date(year - 1, 12, 31), 1) == first_weekday_after
    assert calendar.add_calendar_days(date(year - 1, 12, 30), 2) == first_weekday_after
    # and the original calendar is unchanged
    assert not CAL.covers(new_year)


def test_a_gap_between_known_years_is_not_bridged() -> None:
    # given schedules for 2030 and 2032 only
    calendar = WorkCalendar(
        [
            YearSchedule(2030, frozenset(), frozenset(), "test"),
            YearSchedule(2032, frozenset(), frozenset(), "test"),
        ]
    )
    # then counting from the end of 2030 into the unknown 2031 raises at 2031-01-01
    with pytest.raises(CalendarCoverageError) as caught:
        calendar.add_working_days(d("2030-12-30"), 5)
    assert caught.value.details["date"] == "2031-01-01"


def test_a_loaded_year_replaces_the_packaged_one() -> None:
    # given a (fictional) correction that makes 2024-02-09 a holiday
    corrected = YearSchedule(
        year=2024,
        holidays=CAL.schedules[2024].holidays | {d("2024-02-09")},
        working_weekends=CAL.schedules[2024].working_weekends,
        source="test correction",
    )
    calendar = CAL.with_schedules(corrected)
    assert not calendar.is_working_day(d("2024-02-09"))
    assert calendar.add_working_days(d("2024-02-08"), 1) == d("2024-02-18")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"holidays": ["2027-13-01"]}, "schedule_date_invalid"),
        ({"holidays": "2027-01-01"}, "schedule_invalid"),
        ({"holidays": [20270101]}, "schedule_date_invalid"),
        ({"working_weekends": ["2027-01-04"]}, "schedule_working_weekend_not_weekend"),
        ({"working_weekends": ["2027-01-02"]}, "schedule_overlap"),
        ({"holidays": ["2029-05-01"]}, "schedule_date_outside_year"),
        ({"source": "  "}, "schedule_source_missing"),
        ({"year": "2027"}, "schedule_year_invalid"),
        ({"year": True}, "schedule_year_invalid"),
        ({"extra": 1}, "schedule_invalid"),
    ],
)
def test_bad_schedules_are_refused_with_a_precise_code(change: dict[str, Any], code: str) -> None:
    with pytest.raises(ScheduleError) as caught:
        load_schedule({**SCHEDULE_2027, **change})
    assert caught.value.code == code
    assert caught.value.message_zh
    assert caught.value.message_en


def test_a_schedule_without_a_source_is_refused() -> None:
    with pytest.raises(ScheduleError) as caught:
        load_schedule({k: v for k, v in SCHEDULE_2027.items() if k != "source"})
    assert caught.value.code == "schedule_invalid"


def test_schedules_of_neighbouring_years_that_disagree_are_refused() -> None:
    # given a 2031 notice that lists 2030-12-28 (Saturday) as a working day,
    # and a 2030 schedule that calls the same day a holiday
    year_2030 = YearSchedule(2030, frozenset({d("2030-12-28")}), frozenset(), "test")
    year_2031 = YearSchedule(2031, frozenset(), frozenset({d("2030-12-28")}), "test")
    with pytest.raises(ScheduleError) as caught:
        WorkCalendar([year_2030, year_2031])
    assert caught.value.code == "schedule_conflict"


def test_load_schedule_accepts_date_objects() -> None:
    schedule = load_schedule({**SCHEDULE_2027, "holidays": [date(2027, 1, 1)]})
    assert schedule.holidays == frozenset({date(2027, 1, 1)})


# -- properties ------------------------------------------------------------------------------

covered_days = st.dates(min_value=date(PACKAGE_FIRST_YEAR, 1, 1), max_value=date(2025, 12, 1))


@given(start=covered_days, n=st.integers(min_value=1, max_value=30))
def test_working_days_count_exactly_n_working_days_after_start(start: date, n: int) -> None:
    # when
    end = CAL.add_working_days(start, n)
    # then the end is a working day, and exactly n working days lie in (start, end]
    assert CAL.is_working_day(end)
    days = [start + timedelta(days=i) for i in range(1, (end - start).days + 1)]
    assert sum(CAL.is_working_day(day) for day in days) == n


@given(start=covered_days, n=st.integers(min_value=1, max_value=40))
def test_calendar_days_end_on_the_first_working_day_from_start_plus_n(start: date, n: int) -> None:
    # when
    end = CAL.add_calendar_days(start, n)
    # then it is a working day, not before start + n, with only rest days in between
    assert CAL.is_working_day(end)
    assert end >= start + timedelta(days=n)
    day = start + timedelta(days=n)
    while day < end:
        assert not CAL.is_working_day(day)
        day += timedelta(days=1)

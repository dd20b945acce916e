"""The year schedule file (YAML or JSON) the bureau loads: named ranges, checks, field names."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sscard.kernel.workdays import (
    FESTIVALS,
    ScheduleError,
    WorkCalendar,
    read_schedule_file,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "calendar" / "2027.example.yaml"

GOOD = """\
year: 2031
source: 测试数据，形如国务院办公厅关于2031年部分节假日安排的通知
holidays:
  - {name: 元旦, from: 2031-01-01, to: 2031-01-01}
  - {name: 春节, from: 2031-01-22, to: 2031-01-28}
  - 2031-04-05
working_weekends:
  - 2031-01-19
"""


def read(text: str) -> object:
    return read_schedule_file(text.encode())


def refused(text: str) -> ScheduleError:
    with pytest.raises(ScheduleError) as caught:
        read_schedule_file(text.encode())
    assert caught.value.message_zh
    assert caught.value.message_en
    return caught.value


def test_named_ranges_expand_to_every_day_and_single_dates_stay() -> None:
    # when a file with a range, a one-day range and a single date is read
    found = read_schedule_file(GOOD.encode())
    # then every day of the Spring Festival range is a holiday, both ends included
    assert found.example is False
    assert found.schedule.year == 2031
    assert {date(2031, 1, 22), date(2031, 1, 25), date(2031, 1, 28)} <= found.schedule.holidays
    assert date(2031, 1, 29) not in found.schedule.holidays
    assert len(found.schedule.holidays) == 1 + 7 + 1
    assert found.schedule.working_weekends == frozenset({date(2031, 1, 19)})
    assert found.schedule.source.startswith("测试数据")


def test_json_is_read_as_well() -> None:
    data = {
        "year": 2031,
        "source": "test",
        "holidays": [{"name": "国庆节", "from": "2031-10-01", "to": "2031-10-07"}],
        "working_weekends": ["2031-09-28"],
    }
    found = read_schedule_file(json.dumps(data, ensure_ascii=False).encode())
    assert len(found.schedule.holidays) == 7
    assert found.schedule.working_weekends == frozenset({date(2031, 9, 28)})


def test_the_shipped_example_is_marked_as_one_and_is_well_formed() -> None:
    # given the documented example file
    raw = EXAMPLE.read_bytes()
    text = raw.decode()
    # then it says, in both languages, that it is not the official schedule
    assert "EXAMPLE" in text
    assert "不是官方放假安排" in text
    # and it is read as an example whose days make a consistent calendar with the package
    found = read_schedule_file(raw)
    assert found.example is True
    assert found.schedule.year == 2027
    calendar = WorkCalendar.default().with_schedules(found.schedule)
    assert calendar.covers(date(2027, 6, 30))
    assert not calendar.is_working_day(date(2027, 2, 8))  # a Monday inside its 春节 range
    assert calendar.is_working_day(date(2027, 2, 20))  # its 调休 Saturday


@pytest.mark.parametrize(
    ("text", "code", "field"),
    [
        (GOOD.replace("name: 春节", "name: 圣诞节"), "schedule_holiday_name_unknown",
         "holidays[1].name"),
        (GOOD.replace("to: 2031-01-28", "to: 2031-01-20"), "schedule_holiday_range_invalid",
         "holidays[1].to"),
        (GOOD.replace("to: 2031-01-28", "to: 2031-02-28"), "schedule_holiday_range_invalid",
         "holidays[1].to"),
        (GOOD.replace("from: 2031-01-22", "from: 2031-1-22"), "schedule_date_invalid",
         "holidays[1].from"),
        (GOOD.replace("{name: 元旦, from: 2031-01-01, to: 2031-01-01}", "{name: 元旦, on: 1}"),
         "schedule_holiday_range_invalid", "holidays[0]"),
        (GOOD.replace("  - 2031-04-05", "  - 2031-04-31"), "schedule_date_invalid",
         "holidays[2]"),
        (GOOD.replace("  - 2031-01-19", "  - 2031-01-20"), "schedule_working_weekend_not_weekend",
         None),
        (GOOD.replace("  - 2031-01-19", "  - 2031-01-25"), "schedule_overlap", None),
        (GOOD.replace("  - 2031-04-05", "  - 2033-04-05"), "schedule_date_outside_year",
         "holidays"),
        (GOOD.replace("year: 2031", "year: next"), "schedule_year_invalid", None),
        (GOOD.replace("source: ", "notice: "), "schedule_invalid", "notice"),
        (GOOD + "year: 2032\n", "schedule_file_unreadable", "year"),
        (GOOD + "example: maybe\n", "schedule_invalid", "example"),
        ("year: 2031\nsource: x\nholidays: []\n", "schedule_invalid", "holidays"),
        ("year: 2031\nsource: x\nholidays: 2031-01-01\n", "schedule_invalid", "holidays"),
        ("- just\n- a list\n", "schedule_invalid", None),
        ("year: [unclosed\n", "schedule_file_unreadable", None),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_a_code_naming_the_field(
    text: str, code: str, field: str | None
) -> None:
    error = refused(text)
    assert error.code == code
    if field is not None:
        assert error.details["field"] == field


def test_a_file_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(ScheduleError) as caught:
        read_schedule_file(GOOD.encode("gb18030"))
    assert caught.value.code == "schedule_file_unreadable"


def test_every_festival_name_of_the_notices_is_known() -> None:
    assert FESTIVALS == ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")


def test_covered_until_is_the_end_of_the_unbroken_run_of_known_years() -> None:
    package = WorkCalendar.default()
    last = max(package.years)
    assert package.covered_until(date(last, 3, 1)) == date(last, 12, 31)
    assert package.covered_until(date(last + 1, 1, 1)) is None
    extended = package.with_schedules(read_schedule_file(EXAMPLE.read_bytes()).schedule)
    if last == 2026:
        assert extended.covered_until(date(2026, 12, 2)) == date(2027, 12, 31)

"""The calendar in force and its status: covered years, and the warning 60 days before the end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.services import calendar_year_load
from sscard.applications.tests.calendar_support import OFFICER, official_2027
from sscard.core.actors import Actor, Role
from sscard.core.calendar import calendar_status, work_calendar
from sscard.core.errors import ApplicationError
from sscard.kernel.workdays import WorkCalendar

pytestmark = pytest.mark.django_db
PACKAGE_END = date(max(WorkCalendar.default().years), 12, 31)


def test_without_loaded_years_the_calendar_is_the_packages() -> None:
    assert work_calendar().years == WorkCalendar.default().years


@pytest.mark.parametrize(
    ("days_before_end", "warn"),
    [(61, False), (60, True), (29, True), (0, True)],
)
def test_the_warning_shows_from_60_days_before_the_covered_calendar_ends(
    days_before_end: int, warn: bool
) -> None:
    today = PACKAGE_END - timedelta(days=days_before_end)
    status = calendar_status(actor=OFFICER, today=today)
    assert status.covered_until == PACKAGE_END
    assert status.days_left == days_before_end
    assert status.warn is warn
    assert status.next_year == PACKAGE_END.year + 1


def test_on_2026_12_02_the_city_officer_is_warned_until_2027_is_loaded() -> None:
    # given today is 2026-12-02 and the package ends with 2026
    today = date(2026, 12, 2)
    status = calendar_status(actor=OFFICER, today=today)
    # (uv.lock pins chinesecalendar 1.11.0, the last release to end with 2026; a newer pin
    # must move this test's day, not skip it)
    assert PACKAGE_END.year == 2026, PACKAGE_END
    assert (status.covered_until, status.days_left, status.warn) == (date(2026, 12, 31), 29, True)
    # when 2027 is loaded
    calendar_year_load(actor=OFFICER, content=official_2027(), file_name="2027.yaml")
    # then coverage runs to the end of 2027 and the warning is gone
    status = calendar_status(actor=OFFICER, today=today)
    assert (status.covered_until, status.warn) == (date(2027, 12, 31), False)
    assert [(y.year, y.replaces_package, y.file_name) for y in status.loaded] == [
        (2027, False, "2027.yaml")
    ]


def test_a_day_in_an_uncovered_year_is_warned_with_no_end() -> None:
    status = calendar_status(actor=OFFICER, today=date(PACKAGE_END.year + 3, 1, 5))
    assert (status.covered_until, status.days_left, status.warn) == (None, None, True)


def test_other_roles_do_not_read_the_calendar_status() -> None:
    with pytest.raises(ApplicationError) as caught:
        calendar_status(actor=Actor(role=Role.BANK_CLERK, label="x"), today=date(2026, 12, 2))
    assert caught.value.code == "permission_denied"

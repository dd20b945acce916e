"""`sscard calendar status` and `sscard calendar load FILE`, run in-process with click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sscard.applications.models import Application
from sscard.applications.tests.calendar_support import (
    DECEMBER_DAY,
    DUE_IN_EXAMPLE,
    EXAMPLE_2027,
    official_2027,
    unit_applies_on,
)
from sscard.cli import cli
from sscard.core.models import AuditEvent, CalendarYear

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def words(out: str) -> str:
    """The output as one line of words: the console wraps long lines at its width, which is
    the terminal's (``COLUMNS``, or the size of the terminal the tests were started from), so
    a line break may fall anywhere between two words ("… load FILE" after "sscard")."""
    return " ".join(out.split())


def test_status_warns_on_2026_12_02_and_names_the_package_years() -> None:
    code, out = run("calendar", "status", "--today", "2026-12-02")
    assert code == 0, out
    said = words(out)
    assert "软件包 / package" in said, out
    assert "工作日历只到2026-12-31（还有29天），请导入2027年放假安排" in said, out
    assert "the calendar ends on 2026-12-31 (29 days left): load the 2027 schedule" in said, out
    assert "sscard calendar load FILE" in said, out


def test_load_sets_pending_due_dates_and_status_shows_the_loaded_year(tmp_path: Path) -> None:
    # given an application on 2026-12-20 waiting for the 2027 calendar
    unit_applies_on(DECEMBER_DAY, 1)
    schedule = tmp_path / "2027.yaml"
    schedule.write_bytes(official_2027())
    # when the bureau loads the schedule
    code, out = run("calendar", "load", str(schedule))
    # then it says what it loaded and how many due dates it set
    assert code == 0, out
    assert "2027" in out
    assert "due dates set: 1 applications" in out
    assert Application.objects.get().due_date == DUE_IN_EXAMPLE
    # and the status lists 2027 as loaded, with its source, and no longer warns in December
    code, out = run("calendar", "status", "--today", "2026-12-02")
    assert code == 0
    assert "国办发明电〔2026〕N号" in out
    assert "2027-12-31" in out
    # and loading it again changes nothing
    code, out = run("calendar", "load", str(schedule))
    assert (code, "unchanged" in out) == (0, True)
    assert AuditEvent.objects.filter(action="calendar_year_load").count() == 1


def test_a_bad_file_exits_2_with_its_code_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(official_2027().replace(b"to: 2027-02-12", b"to: 2027-02-01"))
    code, out = run("calendar", "load", str(bad))
    assert code == 2
    assert "schedule_holiday_range_invalid" in out
    assert "holidays[1].to" in out
    assert not CalendarYear.objects.exists()


def test_the_example_is_refused_unless_asked_for() -> None:
    code, out = run("calendar", "load", str(EXAMPLE_2027))
    assert code == 2
    assert "calendar_example_refused" in out
    assert not CalendarYear.objects.exists()
    code, out = run("calendar", "load", "--allow-example", str(EXAMPLE_2027))
    assert code == 0, out
    assert CalendarYear.objects.get().example
    code, out = run("calendar", "status", "--today", "2026-12-02")
    assert "EXAMPLE" in out

"""calendar_year_load: the bureau loads a year's official schedule; pending due dates are set."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.models import Application
from sscard.applications.services import calendar_year_load
from sscard.applications.tests.calendar_support import (
    DECEMBER_DAY,
    DUE_IN_EXAMPLE,
    OFFICER,
    example_2027,
    official_2027,
    unit_applies_on,
)
from sscard.core.actors import Actor, Role
from sscard.core.calendar import CALENDAR_PENDING_REASON, work_calendar
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, CalendarYear

pytestmark = pytest.mark.django_db


def written() -> tuple[int, int, int]:
    return (
        CalendarYear.objects.count(),
        AuditEvent.objects.filter(action="calendar_year_load").count(),
        Application.objects.filter(due_date__isnull=False).count(),
    )


def test_a_december_application_due_in_2027_is_accepted_pending_and_dated_by_the_load() -> None:
    # given a unit's collective application on 2026-12-20, whose 30 days end in 2027
    collective = unit_applies_on(DECEMBER_DAY, 2)
    staff = list(Application.objects.filter(collective=collective))
    # then it was accepted, and neither it nor its staff's applications have a due date
    assert len(staff) == 2
    assert collective.due_date is None
    assert collective.due_date_pending
    assert all(a.due_date is None and a.due_date_pending for a in staff)
    assert {a.reason_code for a in staff} == {CALENDAR_PENDING_REASON}
    # when the bureau loads the 2027 schedule
    result = calendar_year_load(actor=OFFICER, content=official_2027(), file_name="2027.yaml")
    # then every pending due date is set at once, in the same call
    assert (result.year, result.created, result.changed) == (2027, True, True)
    assert (result.applications_due_set, result.collectives_due_set) == (2, 1)
    assert result.still_pending == 0
    for application in staff:
        application.refresh_from_db()
        assert application.due_date == DUE_IN_EXAMPLE
        assert not application.due_date_pending
        assert application.reason_code != CALENDAR_PENDING_REASON
    collective.refresh_from_db()
    assert collective.due_date == DUE_IN_EXAMPLE
    # and the load is audited with the counts and the file's SM3
    event = AuditEvent.objects.get(action="calendar_year_load")
    assert event.object_id == "2027"
    assert event.changes["applications_due_set"] == 2
    assert event.changes["collectives_due_set"] == 1
    assert event.changes["file_digest"] == result.file_digest
    assert len(result.file_digest) == 64
    assert event.actor_label == "officer@bureau"
    # and the stored year says where it came from
    row = CalendarYear.objects.get(year=2027)
    assert row.source == "test data shaped like 国办发明电〔2026〕N号"
    assert (row.loaded_by, row.loaded_by_role, row.example) == (
        "officer@bureau",
        "city_officer",
        False,
    )


def test_a_load_takes_effect_at_once_in_the_same_process() -> None:
    # given the calendar before any load does not know 2027
    assert not work_calendar().covers(date(2027, 3, 1))
    # when 2027 is loaded
    calendar_year_load(actor=OFFICER, content=official_2027())
    # then the very next question is answered with it
    assert work_calendar().covers(date(2027, 3, 1))
    assert not work_calendar().is_working_day(date(2027, 2, 8))
    # and a new application on 2026-12-20 gets its due date straight away
    collective = unit_applies_on(DECEMBER_DAY, 1)
    assert collective.due_date == DUE_IN_EXAMPLE


def test_the_same_file_again_changes_nothing() -> None:
    first = calendar_year_load(actor=OFFICER, content=official_2027())
    before = written()
    again = calendar_year_load(actor=OFFICER, content=official_2027())
    assert (again.changed, again.created, again.file_digest) == (False, False, first.file_digest)
    assert written() == before


def test_a_corrected_file_replaces_the_year_and_is_audited_again() -> None:
    calendar_year_load(actor=OFFICER, content=official_2027())
    corrected = official_2027().replace(b"  - 2027-10-09\n", b"")
    result = calendar_year_load(actor=OFFICER, content=corrected)
    assert (result.created, result.changed) == (False, True)
    assert CalendarYear.objects.count() == 1
    assert "2027-10-09" not in CalendarYear.objects.get(year=2027).working_weekends
    events = AuditEvent.objects.filter(action="calendar_year_load").order_by("pk")
    assert [e.changes["previous_digest"] != "" for e in events] == [False, True]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ((b"name: \xe6\x98\xa5\xe8\x8a\x82", "name: 圣诞节".encode()),
         "schedule_holiday_name_unknown", "holidays[1].name"),
        ((b"  - 2027-02-20\n", b"  - 2027-02-22\n"), "schedule_working_weekend_not_weekend", None),
        ((b"  - 2027-02-20\n", b"  - 2027-02-07\n"), "schedule_overlap", None),
        ((b"to: 2027-02-12", b"to: 2027-02-01"), "schedule_holiday_range_invalid",
         "holidays[1].to"),
        ((b"year: 2027", b"year: 2027\nyear: 2028"), "schedule_file_unreadable", "year"),
    ],
)  # fmt: skip
def test_a_bad_file_is_refused_with_its_field_and_nothing_is_written(
    change: tuple[bytes, bytes], code: str, field: str | None
) -> None:
    # given a pending application
    unit_applies_on(DECEMBER_DAY, 1)
    before = written()
    # when a file with one mistake is loaded
    with pytest.raises(ApplicationError) as caught:
        calendar_year_load(actor=OFFICER, content=official_2027().replace(*change))
    # then it is refused with a stable code naming the field, in both languages
    assert caught.value.code == code
    assert caught.value.status == 422
    assert caught.value.message_zh
    assert caught.value.message_en
    if field is not None:
        assert caught.value.details["field"] == field
    # and nothing is written: no year, no audit event, no due date
    assert written() == before
    assert Application.objects.filter(reason_code=CALENDAR_PENDING_REASON).count() == 1


def test_the_example_file_is_refused_unless_asked_for() -> None:
    with pytest.raises(ApplicationError) as caught:
        calendar_year_load(actor=OFFICER, content=example_2027())
    assert caught.value.code == "calendar_example_refused"
    assert caught.value.details["field"] == "example"
    assert not CalendarYear.objects.exists()
    result = calendar_year_load(actor=OFFICER, content=example_2027(), allow_example=True)
    assert result.example
    assert CalendarYear.objects.get(year=2027).example


def test_a_year_contradicting_its_neighbour_is_refused_and_nothing_is_written() -> None:
    # given a 2027 schedule with the Saturday 2027-12-25 as a 调休 working day
    calendar_year_load(
        actor=OFFICER,
        content=official_2027().replace(b"  - 2027-10-09\n", b"  - 2027-10-09\n  - 2027-12-25\n"),
    )
    before = written()
    # when a 2028 file calls that day a holiday (its New Year break reaching back into 2027)
    with pytest.raises(ApplicationError) as caught:
        calendar_year_load(
            actor=OFFICER,
            content=(
                "year: 2028\nsource: test\nholidays:\n"
                "  - {name: 元旦, from: 2027-12-25, to: 2028-01-01}\n"
            ).encode(),
        )
    # then it is refused and nothing is written
    assert caught.value.code == "schedule_conflict"
    assert caught.value.details["year"] == 2028
    assert written() == before
    assert not CalendarYear.objects.filter(year=2028).exists()


@pytest.mark.parametrize(
    "role",
    [Role.DISTRICT_OFFICER, Role.BANK_CLERK, Role.EMPLOYER_HR, Role.CARDHOLDER],
)
def test_only_the_city_bureau_loads_the_calendar(role: Role) -> None:
    with pytest.raises(ApplicationError) as caught:
        calendar_year_load(actor=Actor(role=role, label="x"), content=official_2027())
    assert caught.value.code == "permission_denied"
    assert not CalendarYear.objects.exists()

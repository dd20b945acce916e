"""The working-day calendar for the city officer: page, API twin, home-page warning, and the
applications pending the calendar on the overdue/backlog page and in the API answers."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from sscard.applications.models import Application
from sscard.applications.tests.calendar_support import (
    DECEMBER_DAY,
    DUE_IN_EXAMPLE,
    example_2027,
    official_2027,
    unit_applies_on,
)
from sscard.core.models import AuditEvent, CalendarYear
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
PAGE = "/reports/calendar/"
STATUS = "/api/v1/calendar"
LOAD = "/api/v1/calendar/years"


@pytest.fixture
def december(monkeypatch: pytest.MonkeyPatch) -> date:
    """Today is 2026-12-02 for the pages and the API."""
    today = date(2026, 12, 2)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today)
    return today


def upload(content: bytes, name: str = "2027.yaml") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/x-yaml")


def test_the_api_loads_a_year_and_sets_the_pending_due_dates(city_officer, client_for, december):
    # given a pending application and the API's status on 2026-12-02
    unit_applies_on(DECEMBER_DAY, 1)
    api = client_for(city_officer)
    status = api.get(STATUS).json()
    assert (status["covered_until"], status["days_left"], status["warn"]) == (
        "2026-12-31",
        29,
        True,
    )
    assert status["loaded"] == []
    pending = api.get("/api/v1/reports/due-pending").json()
    assert [(r["key"], r["count"], r["oldest_applied"]) for r in pending] == [
        ("ICBC", 1, "2026-12-20")
    ]
    (application,) = api.get("/api/v1/applications").json()["items"]
    assert (application["due_date"], application["due_date_pending"]) == (None, True)
    # when the officer posts the 2027 file
    answer = api.post(LOAD, {"file": upload(official_2027())})
    # then it is stored, and the pending due date is set
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["year"], body["created"], body["applications_due_set"]) == (2027, True, 1)
    (application,) = api.get("/api/v1/applications").json()["items"]
    assert (application["due_date"], application["due_date_pending"]) == (
        DUE_IN_EXAMPLE.isoformat(),
        False,
    )
    assert api.get("/api/v1/reports/due-pending").json() == []
    status = api.get(STATUS).json()
    assert (status["covered_until"], status["warn"]) == ("2027-12-31", False)
    assert [y["year"] for y in status["loaded"]] == [2027]
    # and the same file again answers 200, unchanged
    again = api.post(LOAD, {"file": upload(official_2027())})
    assert (again.status_code, again.json()["changed"]) == (200, False)


def test_the_api_refuses_a_bad_file_with_its_field_and_writes_nothing(city_officer, client_for):
    api = client_for(city_officer)
    bad = official_2027().replace(b"  - 2027-02-20\n", b"  - 2027-02-22\n")
    answer = api.post(LOAD, {"file": upload(bad)})
    assert answer.status_code == 422
    assert answer.json()["code"] == "schedule_working_weekend_not_weekend"
    example = api.post(LOAD, {"file": upload(example_2027())})
    assert (example.status_code, example.json()["code"]) == (422, "calendar_example_refused")
    assert example.json()["details"]["field"] == "example"
    assert not CalendarYear.objects.exists()
    assert not AuditEvent.objects.filter(action="calendar_year_load").exists()


@pytest.mark.parametrize("role", ["district_officer", "bank_clerk", "employer_hr", "cardholder"])
def test_other_roles_may_neither_load_nor_read_the_calendar(role, client_for):
    api = client_for(AccountFactory.of_role(role))
    assert api.post(LOAD, {"file": upload(official_2027())}).status_code == 403
    assert api.get(STATUS).status_code == 403
    assert api.get(PAGE).status_code == 403
    assert not CalendarYear.objects.exists()


def test_the_page_shows_the_status_and_loads_an_uploaded_year(city_officer, client_for, december):
    officer: Client = client_for(city_officer)
    page = officer.get(PAGE)
    body = page.content.decode()
    assert page.status_code == 200
    assert "工作日历" in body
    assert "data-calendar-warning" in body
    assert "2026-12-31" in body
    # when a bad file is uploaded, the page names the field and nothing is stored
    bad = official_2027().replace(b"name: \xe6\x98\xa5\xe8\x8a\x82", "name: 圣诞节".encode())
    refused = officer.post(PAGE, {"file": upload(bad)})
    assert refused.status_code == 200
    assert "holidays[1].name" in refused.content.decode()
    assert not CalendarYear.objects.exists()
    # when the 2027 file is uploaded
    done = officer.post(PAGE, {"file": upload(official_2027())}, follow=True)
    body = done.content.decode()
    assert done.status_code == 200
    assert 'data-year="2027"' in body
    assert "国办发明电〔2026〕N号" in body
    assert "data-calendar-warning" not in body
    assert CalendarYear.objects.get().loaded_by_role == "city_officer"


def test_the_city_officers_home_page_warns_60_days_before_the_end(
    city_officer, client_for, december
):
    home = client_for(city_officer).get("/").content.decode()
    assert "data-calendar-warning" in home
    assert "2026-12-31" in home
    assert "/reports/calendar/" in home
    district = client_for(AccountFactory.create(district_officer=True)).get("/").content.decode()
    assert "data-calendar-warning" not in district


def test_the_home_page_is_quiet_when_the_calendar_runs_long_enough(
    city_officer, client_for, monkeypatch
):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: date(2026, 10, 1))
    home = client_for(city_officer).get("/").content.decode()
    assert "data-calendar-warning" not in home


def test_the_overdue_page_lists_applications_pending_the_calendar(city_officer, client_for):
    unit_applies_on(DECEMBER_DAY, 2)
    body = client_for(city_officer).get("/reports/overdue/").content.decode()
    assert "data-due-pending>2<" in body
    assert "待官方日历公布后确定" in body
    assert "2026-12-20" in body


def test_the_holders_page_says_the_due_date_is_pending(client_for):
    collective = unit_applies_on(DECEMBER_DAY, 1)
    person = Application.objects.get(collective=collective).person
    holder = AccountFactory.create(cardholder=True, person=person)
    body = client_for(holder).get("/applications/mine/").content.decode()
    assert "待官方日历公布后确定" in body

"""The schools import takes the day of each school's notice (SH-09), as an optional column."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from sscard.core.actors import Actor
from sscard.core.models import ImportJob
from sscard.registry.imports import import_schools
from sscard.registry.models import School
from sscard.registry.services import divisions_load

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
HEADER = ["school_code", "name", "district", "kind"]


@pytest.fixture(autouse=True)
def divisions() -> None:
    divisions_load(actor=SYSTEM)


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def refusals(job: ImportJob) -> list[tuple[str, str, str]]:
    if not job.report_path:
        return []
    with open(job.report_path, encoding="utf-8-sig") as fh:
        return [(r["row"], r["column"], r["code"]) for r in csv.DictReader(fh)]


def test_the_notice_date_is_stored_and_an_empty_one_is_no_notice(tmp_path: Path) -> None:
    # given a schools file with the optional notice column, one school notified, one not
    path = write(
        tmp_path / "schools.csv",
        [*HEADER, "notified_on"],
        [
            ["3101010001", "黄浦一小", "310101", "primary", "2019-04-08"],
            ["3101010002", "黄浦二小", "310101", "primary", ""],
        ],
    )
    # when it is imported
    job = import_schools(actor=SYSTEM, path=path, file_name="schools.csv")
    # then both are in, with the notice day where one was given
    assert (job.rows_inserted, job.rows_refused) == (2, 0)
    notified = dict(School.objects.values_list("code", "notified_on"))
    assert notified == {"3101010001": date(2019, 4, 8), "3101010002": None}


def test_a_bad_or_future_notice_date_refuses_the_row_only(tmp_path: Path) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    path = write(
        tmp_path / "schools.csv",
        [*HEADER, "notified_on"],
        [
            ["3101010001", "黄浦一小", "310101", "primary", "2019-04-08"],
            ["3101010002", "黄浦二小", "310101", "primary", "2019/04/08"],
            ["3101010003", "黄浦三小", "310101", "primary", "2019-02-30"],
            ["3101010004", "黄浦四小", "310101", "primary", tomorrow],
        ],
    )
    job = import_schools(actor=SYSTEM, path=path, file_name="schools.csv")
    assert refusals(job) == [
        ("3", "notified_on", "notified_on_invalid"),
        ("4", "notified_on", "notified_on_invalid"),
        ("5", "notified_on", "notified_on_in_future"),
    ]
    assert list(School.objects.values_list("code", flat=True)) == ["3101010001"]


def test_a_file_without_the_column_imports_as_before_and_again_unchanged(
    tmp_path: Path,
) -> None:
    rows = [["3101010001", "黄浦一小", "310101", "primary"]]
    path = write(tmp_path / "schools.csv", HEADER, rows)
    first = import_schools(actor=SYSTEM, path=path, file_name="schools.csv")
    # the same school, now with an empty notice column: the same content, so unchanged
    again = write(tmp_path / "again.csv", [*HEADER, "notified_on"], [[*rows[0], ""]])
    second = import_schools(actor=SYSTEM, path=again, file_name="again.csv")
    assert (first.rows_inserted, second.rows_unchanged, second.rows_refused) == (1, 1, 0)
    assert School.objects.get().notified_on is None


def test_an_xlsx_date_cell_is_a_notice_date(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*HEADER, "notified_on"])
    sheet.append(["3101010001", "黄浦一小", "310101", "primary", date(2019, 4, 8)])
    path = tmp_path / "schools.xlsx"
    book.save(path)
    job = import_schools(actor=SYSTEM, path=path, file_name="schools.xlsx")
    assert (job.rows_inserted, job.rows_refused) == (1, 0)
    assert School.objects.get().notified_on == date(2019, 4, 8)

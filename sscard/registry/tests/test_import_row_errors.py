"""An import's error report lists EVERY error of a refused row, not the first one: a clerk
correcting the file sees all its faulty cells at once (issue 12, point 7). The row still
counts once among the refused rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from sscard.core.models import ImportJob
from sscard.registry.imports import (
    EmployerSpec,
    PersonSpec,
    import_employers,
    import_persons,
    import_schools,
)
from sscard.registry.models import Employer, Person, School
from sscard.registry.services import divisions_load
from sscard.registry.tests.test_imports import (
    SYSTEM,
    XICHENG,
    credit,
    idn,
    person_row,
    report_rows,
    write_csv,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def divisions() -> None:
    divisions_load(actor=SYSTEM)


def _errors(job: ImportJob) -> list[tuple[str, str, str]]:
    return [(r["row"], r["column"], r["code"]) for r in report_rows(job)]


def test_a_person_row_with_six_faulty_cells_is_reported_with_all_six(
    divisions: None, tmp_path: Path
) -> None:
    bad_id = idn()[:-1] + ("0" if idn()[-1] != "0" else "1")
    rows = [
        person_row(idn(seq="101")),
        person_row(
            bad_id,
            name="张3",
            phone="12345",
            category="astronaut",
            school_code="1110102999",
            address="路" * 201,
        ),
    ]
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, rows)
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    # then the good row is in, the bad one refused once, with each of its errors in the report
    assert (job.rows_inserted, job.rows_refused, Person.objects.count()) == (1, 1, 1)
    assert _errors(job) == [
        ("3", "id_number", "id_check_digit"),
        ("3", "name", "name_invalid"),
        ("3", "phone", "phone_invalid"),
        ("3", "category", "category_invalid"),
        ("3", "school_code", "school_unknown"),
        ("3", "address", "address_too_long"),
    ]
    # and each line carries both messages
    assert all(r["message_zh"] and r["message_en"] for r in report_rows(job))


def test_an_employer_row_reports_its_code_district_and_banks(
    divisions: None, tmp_path: Path
) -> None:
    bad_check = credit()[:-1] + ("0" if credit()[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "e.csv",
        EmployerSpec.columns,
        [[bad_check, "", "999999", "icbc;BOB"], [credit(), "某公司", XICHENG, "ICBC"]],
    )
    job = import_employers(actor=SYSTEM, path=path, file_name="e.csv")
    assert (job.rows_inserted, job.rows_refused, Employer.objects.count()) == (1, 1, 1)
    assert _errors(job) == [
        ("2", "credit_code", "credit_code_check"),
        ("2", "name", "name_invalid"),
        ("2", "insured_district", "district_unknown"),
        ("2", "payroll_banks", "bank_code_invalid"),
    ]


def test_a_school_row_reports_every_faulty_cell(divisions: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv",
        ["school_code", "name", "district", "kind", "notified_on"],
        [["12", "", "110103", "castle", "2024-13-45"]],
    )
    job = import_schools(actor=SYSTEM, path=path, file_name="s.csv")
    assert (job.rows_refused, School.objects.count()) == (1, 0)
    assert [e[1:] for e in _errors(job)] == [
        ("school_code", "school_code_invalid"),
        ("name", "name_invalid"),
        ("district", "district_unknown"),
        ("kind", "school_kind_invalid"),
        ("notified_on", "notified_on_invalid"),
    ]

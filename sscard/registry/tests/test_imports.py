"""Bulk import of persons, employers and schools: the policy, bad input, encodings, XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from sscard.core.actors import Actor, Role
from sscard.core.crypto import ID_NUMBER, PHONE, field_cipher, id_number_index
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent, ImportJob
from sscard.core.tables import FileRefused
from sscard.kernel import creditcode
from sscard.kernel.idnumber import check_digit
from sscard.registry.imports import (
    EmployerSpec,
    PersonSpec,
    import_employers,
    import_persons,
    import_schools,
)
from sscard.registry.models import Employer, Person, School
from sscard.registry.services import divisions_load

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")
XICHENG = "110102"


def idn(region: str = "110102", born: str = "19850612", seq: str = "123") -> str:
    first = region + born + seq
    return first + check_digit(first)


def credit(district: str = XICHENG, serial: str = "MA01234567") -> str:
    return creditcode.make("91" + district + serial[:9])


def write_csv(
    path: Path, header: Iterable[str], rows: Iterable[Iterable[str]], encoding: str = "utf-8"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(header))
    writer.writerows([list(r) for r in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def person_row(id_number: str, name: str = "张伟", **overrides: str) -> list[str]:
    row = {
        "id_number": id_number,
        "name": name,
        "phone": "13812345678",
        "hukou_region": "110102",
        "insured_region": "110102",
        "category": "retiree",
        "employer_credit_code": "",
        "school_code": "",
        "guardian_id_number": "",
        "pension_bank": "ICBC",
        "address": "北京市西城区金融街1号",
    }
    row.update(overrides)
    return [row[c] for c in PersonSpec.columns]


def report_rows(job: ImportJob) -> list[dict[str, str]]:
    with open(job.report_path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def divisions() -> None:
    divisions_load(actor=SYSTEM)


@pytest.fixture
def employer(divisions: None, tmp_path: Path) -> Employer:
    path = write_csv(
        tmp_path / "employers.csv",
        EmployerSpec.columns,
        [[credit(), "北京示例科技有限公司", XICHENG, "ICBC;BOB"]],
    )
    job = import_employers(actor=SYSTEM, path=path, file_name="employers.csv")
    assert job.status == ImportJob.Status.SUCCEEDED
    return Employer.objects.get()


def test_persons_are_stored_encrypted_masked_and_audited(divisions: None, tmp_path: Path) -> None:
    # given a file of two valid persons
    first, second = idn(seq="121"), idn(born="19900101", seq="242")
    path = write_csv(
        tmp_path / "p.csv", PersonSpec.columns, [person_row(first), person_row(second, "李娜")]
    )
    # when it is imported
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    # then both are in, the ID number only encrypted and indexed, and one audit event says so
    assert (job.status, job.rows_inserted, job.rows_refused) == ("succeeded", 2, 0)
    person = Person.objects.get(id_number_index=id_number_index(first))
    assert first.encode() not in bytes(person.id_number_enc)
    assert field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER) == first
    assert person.phone_enc is not None
    assert field_cipher().decrypt(bytes(person.phone_enc), field=PHONE) == "13812345678"
    assert person.id_number_masked == first[0] + "*" * 16 + first[-1]
    assert person.phone_masked == "*******5678"
    assert (person.sex, person.birth_date.isoformat()) == ("M", "1985-06-12")
    event = AuditEvent.objects.get(object_type="registry.person")
    assert event.changes["created"] == 2
    assert first not in str(event.changes)
    assert "13812345678" not in str(event.changes)


def test_importing_the_same_file_twice_changes_nothing(divisions: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(idn())])
    import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    before = list(Person.objects.values_list("id", "source_digest", "created_at"))
    events = AuditEvent.objects.count()
    # when the very same file comes again
    again = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    # then nothing is written and nothing is refused
    assert (again.status, again.rows_inserted, again.rows_unchanged) == ("succeeded", 0, 1)
    assert list(Person.objects.values_list("id", "source_digest", "created_at")) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (idn()[:-1] + ("0" if idn()[-1] != "0" else "1"), "id_check_digit"),
        ("110102" + "19990230" + "123" + check_digit("11010219990230123"), "id_birth_date_invalid"),
        ("990102" + "19850612" + "123" + check_digit("99010219850612123"), "id_region_unknown"),
        ("11010219850612", "id_length"),
        ("", "id_empty"),
    ],
)
def test_bad_id_numbers_are_refused_by_row(
    divisions: None, tmp_path: Path, raw: str, code: str
) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(raw), person_row(idn())])
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert (job.status, job.rows_inserted, job.rows_refused) == ("partial", 1, 1)
    [row] = report_rows(job)
    assert (row["row"], row["column"], row["code"]) == ("2", "id_number", code)
    assert row["message_zh"]
    assert row["message_en"]


def test_a_legacy_15_digit_id_is_upgraded_and_the_upgrade_recorded(
    divisions: None, tmp_path: Path
) -> None:
    legacy = "110102" + "850612" + "123"
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(legacy)])
    import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    person = Person.objects.get()
    upgraded = "110102" + "19850612" + "123"
    upgraded += check_digit(upgraded)
    assert person.upgraded_from_15
    assert field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER) == upgraded
    assert AuditEvent.objects.get(object_type="registry.person").changes["upgraded_from_15"] == 1


def test_duplicates_in_the_file_and_against_the_database(divisions: None, tmp_path: Path) -> None:
    stored = idn(seq="555")
    write_csv(tmp_path / "a.csv", PersonSpec.columns, [person_row(stored)])
    import_persons(actor=SYSTEM, path=tmp_path / "a.csv", file_name="a.csv")
    twice = idn(seq="777")
    path = write_csv(
        tmp_path / "b.csv",
        PersonSpec.columns,
        [
            person_row(twice),
            person_row(twice, "王芳"),
            person_row(stored, "另一个"),
            person_row(stored[:-1].lower() + stored[-1].lower()),
        ],
    )
    job = import_persons(actor=SYSTEM, path=path, file_name="b.csv")
    codes = {(r["row"], r["code"]) for r in report_rows(job)}
    assert codes == {("3", "id_number_duplicate_in_file"), ("4", "id_number_exists")}
    assert (job.rows_inserted, job.rows_unchanged, job.rows_refused) == (1, 1, 2)
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "column", "code"),
    [
        ({"phone": "12345"}, "phone", "phone_invalid"),
        ({"category": "astronaut"}, "category", "category_invalid"),
        ({"insured_region": "110103"}, "insured_region", "region_unknown"),
        ({"hukou_region": "999999"}, "hukou_region", "region_unknown"),
        ({"category": "in_service_staff"}, "employer_credit_code", "employer_required"),
        (
            {"employer_credit_code": "91110102MA0123456X"},
            "employer_credit_code",
            "employer_unknown",
        ),
        ({"school_code": "1110102001"}, "school_code", "school_unknown"),
        ({"name": "张3"}, "name", "name_invalid"),
        ({"guardian_id_number": "110102198506121239"}, "guardian_id_number", "id_check_digit"),
    ],
)
def test_bad_cells_are_refused_with_their_column_and_code(
    divisions: None, tmp_path: Path, overrides: dict[str, str], column: str, code: str
) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(idn(), **overrides)])
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    [row] = report_rows(job)
    assert (row["column"], row["code"]) == (column, code)
    assert Person.objects.count() == 0


def test_the_error_report_holds_no_personal_data(divisions: None, tmp_path: Path) -> None:
    bad = idn()[:-1] + ("0" if idn()[-1] != "0" else "1")
    path = write_csv(
        tmp_path / "p.csv",
        PersonSpec.columns,
        [person_row(bad, "欧阳娜娜"), person_row(idn(), "欧阳娜娜", phone="999")],
    )
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    text = Path(job.report_path).read_text(encoding="utf-8-sig")
    assert job.rows_refused == 2
    for secret in (bad, bad[:-1], idn(), "欧阳娜娜", "999,"):
        assert secret not in text


def test_guardians_resolve_within_the_file_and_from_the_database(
    divisions: None, tmp_path: Path
) -> None:
    parent = idn(born="19800101", seq="111")
    child = idn(born="20150101", seq="222")
    orphan = idn(born="20160101", seq="333")
    path = write_csv(
        tmp_path / "p.csv",
        PersonSpec.columns,
        [
            person_row(parent),
            person_row(child, "小明", category="pupil", phone="", guardian_id_number=parent),
            person_row(orphan, "小红", category="pupil", phone="", guardian_id_number=idn()),
        ],
    )
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert [r["code"] for r in report_rows(job)] == ["guardian_unknown"]
    ward = Person.objects.get(id_number_index=id_number_index(child))
    assert ward.guardian is not None
    assert ward.guardian.id_number_index == id_number_index(parent)


def test_staff_link_to_their_employer(employer: Employer, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv",
        PersonSpec.columns,
        [person_row(idn(), category="in_service_staff", employer_credit_code=employer.credit_code)],
    )
    import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert Person.objects.get().employer == employer
    assert employer.payroll_banks == ["ICBC", "BOB"]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding_chinese_excel_writes(
    divisions: None, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(
        tmp_path / "p.csv", PersonSpec.columns, [person_row(idn(), "欧阳修")], encoding=encoding
    )
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert job.rows_inserted == 1
    assert Person.objects.get().name == "欧阳修"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (b"\r\n\r\n", "file_empty"),
        ("id_number,name\n".encode("utf-16"), "file_encoding_unsupported"),
        (b"\x00\x01\x02binary\xff\xfe", "file_encoding_unsupported"),
        (b"id_number,name\n1,2\n", "columns_missing"),
    ],
)
def test_files_refused_as_a_whole(
    divisions: None, tmp_path: Path, content: bytes, code: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileRefused) as caught:
        import_persons(actor=SYSTEM, path=path, file_name="bad.csv")
    assert caught.value.code == code
    job = ImportJob.objects.get()
    assert (job.status, job.error_code) == ("refused", code)
    assert Person.objects.count() == 0


def test_extra_columns_are_refused(divisions: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "p.csv", [*PersonSpec.columns, "salary"], [[*person_row(idn()), "1"]]
    )
    with pytest.raises(FileRefused) as caught:
        import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert caught.value.code == "columns_unknown"
    assert caught.value.details["unknown"] == ["salary"]


def test_a_row_with_the_wrong_number_of_cells_is_refused(divisions: None, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(",".join(PersonSpec.columns) + "\n" + ",".join(person_row(idn())[:5]) + "\n")
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert [r["code"] for r in report_rows(job)] == ["row_field_count"]


def test_an_encoding_change_in_the_middle_refuses_the_file(divisions: None, tmp_path: Path) -> None:
    good = ",".join(person_row(idn(), "张伟")) + "\n"
    body = (",".join(PersonSpec.columns) + "\n" + good * 30_000).encode("utf-8")
    path = tmp_path / "p.csv"
    path.write_bytes(body + ",".join(person_row(idn(seq="999"), "李娜")).encode("gbk") + b"\n")
    with pytest.raises(FileRefused) as caught:
        import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert caught.value.code == "file_encoding_inconsistent"
    assert Person.objects.count() == 0


def _xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Workbook:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    return book


def test_xlsx_is_imported(divisions: None, tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "p.xlsx", [list(PersonSpec.columns), person_row(idn(), "欧阳修")])
    book.save(tmp_path / "p.xlsx")
    job = import_persons(actor=SYSTEM, path=tmp_path / "p.xlsx", file_name="p.xlsx")
    assert (job.rows_inserted, Person.objects.get().name) == (1, "欧阳修")


def test_xlsx_with_a_formula_is_refused(divisions: None, tmp_path: Path) -> None:
    row: list[object] = list(person_row(idn()))
    row[1] = '=CONCATENATE("张","伟")'
    book = _xlsx(tmp_path / "p.xlsx", [list(PersonSpec.columns), row])
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(FileRefused) as caught:
        import_persons(actor=SYSTEM, path=tmp_path / "p.xlsx", file_name="p.xlsx")
    assert (caught.value.code, caught.value.details["cell"]) == ("xlsx_formula", "B2")


def test_xlsx_with_merged_cells_is_refused(divisions: None, tmp_path: Path) -> None:
    book = _xlsx(tmp_path / "p.xlsx", [list(PersonSpec.columns), person_row(idn())])
    sheet = book.active
    assert sheet is not None
    sheet.merge_cells("J2:K2")
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(FileRefused) as caught:
        import_persons(actor=SYSTEM, path=tmp_path / "p.xlsx", file_name="p.xlsx")
    assert caught.value.code == "xlsx_merged_cells"


def test_only_the_city_bureau_may_import(divisions: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(idn())])
    hr = Actor(role=Role.EMPLOYER_HR, label="hr", employer_id=1)
    with pytest.raises(ApplicationError) as caught:
        import_persons(actor=hr, path=path, file_name="p.csv")
    assert caught.value.code == "permission_denied"
    assert not ImportJob.objects.exists()


def test_schools_and_employers_refuse_bad_codes(divisions: None, tmp_path: Path) -> None:
    schools = write_csv(
        tmp_path / "s.csv",
        ["school_code", "name", "district", "kind"],
        [
            ["1110102001", "西城实验小学", XICHENG, "primary"],
            ["12", "短码学校", XICHENG, "primary"],
            ["1110102002", "未知区学校", "110103", "primary"],
        ],
    )
    job = import_schools(actor=SYSTEM, path=schools, file_name="s.csv")
    assert [r["code"] for r in report_rows(job)] == ["school_code_invalid", "district_unknown"]
    assert School.objects.count() == 1
    bad_check = credit()[:-1] + ("0" if credit()[-1] != "0" else "1")
    employers = write_csv(
        tmp_path / "e.csv", EmployerSpec.columns, [[bad_check, "某公司", XICHENG, "ICBC"]]
    )
    job = import_employers(actor=SYSTEM, path=employers, file_name="e.csv")
    assert [r["code"] for r in report_rows(job)] == ["credit_code_check"]

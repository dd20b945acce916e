"""A killed import is told apart from a running one and a rerun resumes after its last chunk.

In-process counterparts of ``tests/test_import_killed.py`` (which kills the real command):
here the import is interrupted between two committed chunks, the job is left as SIGKILL
leaves it (running, its process gone), and the next import must mark it failed and resume.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from sscard.core.bulk import HOST, import_jobs_fail_abandoned
from sscard.core.models import ImportJob
from sscard.registry.imports import PersonSpec, import_employers, import_persons
from sscard.registry.models import Employer, Person
from sscard.registry.tests.test_imports import (
    SYSTEM,
    XICHENG,
    credit,
    divisions,
    idn,
    person_row,
    report_rows,
    write_csv,
)

__all__ = ["divisions"]
pytestmark = pytest.mark.django_db


class Interrupted(BaseException):
    """Stands for the signal that ends an import between two chunks."""


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _rows() -> list[list[str]]:
    rows = []
    for n in range(1, 1201):
        rows.append(person_row(idn(born=f"19{60 + n // 1000}0101", seq=f"{n % 1000:03d}")))
    rows[49][1] = "张三www.x.cn"  # refused where the name enters (file row 51)
    rows[699][1] = "http://x.cn"  # and again after the interruption
    rows[899] = list(rows[99])  # a duplicate of a row committed before the interruption
    rows[799][PersonSpec.columns.index("guardian_id_number")] = rows[199][0]
    return rows


def _snapshot() -> tuple[set[tuple[bytes, bytes, bytes | None]], int]:
    people = {
        (bytes(p.id_number_index), bytes(p.source_digest or b""), p.guardian_id)
        for p in Person.objects.all()
    }
    index = {pk: bytes(i) for pk, i in Person.objects.values_list("pk", "id_number_index")}
    return {(i, d, index.get(g) if g else None) for i, d, g in people}, len(people)


def _report(job: ImportJob) -> list[tuple[str, str, str]]:
    return sorted((r["row"], r["column"], r["code"]) for r in report_rows(job))


def test_a_killed_import_is_failed_by_the_next_and_resumed(divisions: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, _rows())
    # given what a clean import of the file gives
    clean = import_persons(actor=SYSTEM, path=path, file_name="p.csv", chunk_rows=100)
    expected, count = _snapshot()
    expected_report = _report(clean)
    assert any(guardian for *_, guardian in expected)
    counts = (clean.rows_read, clean.rows_inserted, clean.rows_refused)
    assert (count, counts) == (1197, (1200, 1197, 3)), expected_report
    Person.objects.update(guardian=None)
    Person.objects.all().delete()

    # when an import of the same file is killed after its fourth chunk committed
    chunks = 0

    def killer(rows: int, done: int) -> None:
        nonlocal chunks
        chunks += 1
        if chunks == 4:
            raise Interrupted

    with pytest.raises(Interrupted):
        import_persons(actor=SYSTEM, path=path, file_name="p.csv", chunk_rows=100, progress=killer)
    killed = ImportJob.objects.latest("pk")
    # SIGKILL leaves the job "running" with the process gone
    ImportJob.objects.filter(pk=killed.pk).update(
        status=ImportJob.Status.RUNNING, error_code="", pid=_dead_pid(), host=HOST
    )
    assert (Person.objects.count(), killed.rows_committed) == (399, 401)

    # and it is run again
    again = import_persons(actor=SYSTEM, path=path, file_name="p.csv", chunk_rows=100)

    # then the killed job tells the truth
    killed.refresh_from_db()
    assert (killed.status, killed.error_code) == ("failed", "import_abandoned")
    # and the rerun resumed after its last committed row, losing and duplicating nothing
    assert again.resumed_from_id == killed.pk
    assert again.chunks_committed == 8
    assert (again.rows_read, again.rows_inserted, again.rows_refused) == counts
    assert again.status == "partial"
    assert _snapshot() == (expected, count)
    assert _report(again) == expected_report
    assert ("901", "id_number", "id_number_duplicate_in_file") in expected_report


def test_a_finished_file_is_not_resumed_but_found_unchanged(
    divisions: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row(idn())])
    first = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    again = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    assert (again.resumed_from_id, again.rows_unchanged, first.status) == (None, 1, "succeeded")


def test_only_jobs_whose_process_is_gone_are_failed(divisions: None) -> None:
    now = timezone.now()

    def job(**fields: object) -> ImportJob:
        return ImportJob.objects.create(
            kind="persons",
            file_name="p.csv",
            file_digest="0" * 64,
            actor_role="system",
            actor_label="test",
            started_at=now,
            **fields,
        )

    # given a job killed on this host, one whose heartbeat stopped on another host, and two
    # alive: this process, and a process on another host that beat a moment ago
    killed = job(host=HOST, pid=_dead_pid(), heartbeat_at=now)
    silent = job(host="elsewhere", pid=1, heartbeat_at=now - timedelta(hours=2))
    alive = job(host=HOST, pid=os.getpid(), heartbeat_at=now)
    remote = job(host="elsewhere", pid=_dead_pid(), heartbeat_at=now)
    # when the next import starts
    failed = import_jobs_fail_abandoned(now=now)
    # then exactly the two dead ones are failed
    assert sorted(failed) == sorted([killed.pk, silent.pk])
    states = dict(ImportJob.objects.values_list("pk", "status"))
    assert [states[j.pk] for j in (killed, silent, alive, remote)] == [
        "failed",
        "failed",
        "running",
        "running",
    ]


def test_a_name_with_a_link_is_refused_where_it_enters(divisions: None, tmp_path: Path) -> None:
    # given persons and employers whose names carry links in several disguises
    names = ["张三www.x.cn", "http://evil.cn", "李四 x点cn", "王五.中国"]
    persons = [person_row(idn(seq=f"{i:03d}"), name) for i, name in enumerate(names, start=1)]
    persons.append(person_row(idn(seq="099"), "阿依古丽·买买提"))
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, persons)
    employers = write_csv(
        tmp_path / "e.csv",
        ("credit_code", "name", "insured_district", "payroll_banks"),
        [[credit(), "示例公司www.x.cn", XICHENG, "ICBC"]],
    )
    # when they are imported
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    ejob = import_employers(actor=SYSTEM, path=employers, file_name="e.csv")
    # then each link is refused with its code and column, and the honest name goes in
    codes = [(r["column"], r["code"]) for r in report_rows(job)]
    assert codes.count(("name", "name_contains_link")) >= 3
    assert list(Person.objects.values_list("name", flat=True)) == ["阿依古丽·买买提"]
    assert [r["code"] for r in report_rows(ejob)] == ["name_contains_link"]
    assert not Employer.objects.exists()


def test_every_text_that_carries_an_accepted_name_passes_bj13(
    divisions: None, tmp_path: Path
) -> None:
    from sscard.kernel import messages

    rows = [person_row(idn(seq=f"{i:03d}"), n) for i, n in enumerate(["张三", "欧阳修"], 1)]
    import_persons(
        actor=SYSTEM,
        path=write_csv(tmp_path / "p.csv", PersonSpec.columns, rows),
        file_name="p.csv",
    )
    for name in Person.objects.values_list("name", flat=True):
        assert messages.check(f"{name}您好，您的社保卡已制成，请到网点领取。").ok


def test_an_xlsx_row_whose_last_column_is_empty_is_imported(
    divisions: None, tmp_path: Path
) -> None:
    # given an XLSX row whose last cell (address) is empty: the sheet does not store it
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(PersonSpec.columns))
    sheet.append(person_row(idn(), address=""))
    sheet.append([*person_row(idn(seq="456")), "extra"])
    book.save(tmp_path / "p.xlsx")
    # when it is imported
    job = import_persons(actor=SYSTEM, path=tmp_path / "p.xlsx", file_name="p.xlsx")
    # then the row goes in, and a row with a cell too many is still refused
    assert (job.rows_inserted, Person.objects.get().address) == (1, "")
    assert [r["code"] for r in report_rows(job)] == ["row_field_count"]


def test_the_error_report_is_for_its_owner_only(divisions: None, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", PersonSpec.columns, [person_row("123")])
    job = import_persons(actor=SYSTEM, path=path, file_name="p.csv")
    mode = stat.S_IMODE(Path(job.report_path).stat().st_mode)
    assert mode == 0o600
    with open(job.report_path, encoding="utf-8-sig") as fh:
        assert [r["code"] for r in csv.DictReader(fh)] != []

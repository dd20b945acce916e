"""import_jobs_resume: a starting server queues again what a stopped one left. An import the
server stopped half-way ends after its last committed chunk (``import_interrupted``) and keeps
its upload; the next start continues it as a new job that resumes after that chunk, so no row
is lost or written twice. (Runs inline, as the suite does; the pool: tests/test_background_*.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.core import background
from sscard.core.actors import Actor, Role
from sscard.core.bulk import import_queue, import_run
from sscard.core.models import ImportJob
from sscard.core.uploads import spool_upload
from sscard.portal.services import import_jobs_resume
from sscard.registry.imports import EmployerSpec
from sscard.registry.models import Employer
from sscard.testing.factories import XICHENG, DivisionFactory, make_credit_code

pytestmark = pytest.mark.django_db
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", user_id=None)


@pytest.fixture(autouse=True)
def _server_state() -> Iterator[None]:
    yield
    background.reset()


def _queued(rows: int, *, bad: int = 0) -> ImportJob:
    lines = ["credit_code,name,insured_district,payroll_banks"]
    lines += [f"{make_credit_code(500 + i)},续传测试公司{i},{XICHENG},ICBC" for i in range(rows)]
    lines += [f"bad-{i},坏数据,{XICHENG},ICBC" for i in range(bad)]
    upload = SimpleUploadedFile("单位.csv", ("\n".join(lines) + "\n").encode())
    spooled = spool_upload(upload, prefix="import")
    return import_queue(
        spec=EmployerSpec(),
        actor=OFFICER,
        path=spooled.path,
        file_name=spooled.name,
        digest=spooled.digest,
        spooled=True,
    )


def test_a_stopped_import_keeps_its_upload_and_the_next_start_resumes_it(settings: Any) -> None:
    settings.SSCARD_IMPORT_CHUNK_ROWS = 2
    DivisionFactory.create()
    job = _queued(5, bad=1)
    upload = Path(job.spool_path)
    # when the server stops as the first chunk commits

    def stop_the_server(rows: int, read: int) -> None:
        background.shutdown(grace=0)

    stopped = import_run(job_id=job.pk, spec=EmployerSpec(), progress=stop_the_server)
    # then the import ended there, resumable, and its upload is kept
    assert (stopped.status, stopped.error_code) == ("failed", "import_interrupted")
    assert (stopped.rows_committed, stopped.rows_inserted, Employer.objects.count()) == (3, 2, 2)
    assert stopped.spool_path == str(upload)
    assert upload.is_file()
    # when the next server starts (its hook; here the work runs at once)
    background.reset()
    queued = import_jobs_resume()
    # then a new job took the upload over and resumed after the committed chunk
    (resumed_id,) = queued
    resumed = ImportJob.objects.get(pk=resumed_id)
    assert resumed.resumed_from_id == job.pk
    assert (resumed.status, resumed.rows_inserted, resumed.rows_refused) == ("partial", 5, 1)
    assert resumed.file_digest == job.file_digest
    # and every row is in once; the upload is gone, and neither job names it
    assert Employer.objects.count() == 5
    assert not upload.exists()
    assert set(ImportJob.objects.values_list("spool_path", flat=True)) == {""}
    # and a second start finds nothing left to do
    assert import_jobs_resume() == []


def test_a_job_left_queued_is_run_by_the_next_start() -> None:
    DivisionFactory.create()
    job = _queued(2)
    assert job.status == "queued"
    assert import_jobs_resume() == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.rows_inserted, job.spool_path) == ("succeeded", 2, "")


def test_a_queued_job_whose_upload_is_gone_fails_saying_so() -> None:
    DivisionFactory.create()
    job = _queued(2)
    Path(job.spool_path).unlink()
    import_jobs_resume()
    job.refresh_from_db()
    assert (job.status, job.error_code, job.rows_inserted) == ("failed", "import_upload_missing", 0)
    assert not Employer.objects.exists()

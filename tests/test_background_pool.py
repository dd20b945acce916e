"""The embedded server's own pool (``sscard.core.background``): work leaves the request when
its transaction commits, runs on a thread of the pool with connections of its own, and a
stopping server ends it at a safe point and takes no more.

The suite runs background work inline (``SSCARD_BACKGROUND = "inline"``); these tests play the
server (``background.serve()``) with a pool of one thread, so that what they queue behind a
held task is deterministically still queued when the request answers. (The real server, a
large upload and SIGTERM: ``tests/test_background_serve.py``.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction

from sscard.core import background
from sscard.core.models import ImportJob
from sscard.registry.models import Employer
from sscard.testing.factories import XICHENG, DivisionFactory, ImportJobFactory, make_credit_code

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 60.0  # seconds any wait below may take on a loaded machine before the test fails


@pytest.fixture
def pool(settings: Any) -> Iterator[None]:
    """This process plays the embedded server, with one thread."""
    settings.SSCARD_BACKGROUND = "thread"
    settings.SSCARD_BACKGROUND_THREADS = 1
    background.serve()
    try:
        yield
    finally:
        background.shutdown(grace=WAIT)
        background.reset()


@pytest.fixture
def held(pool: None) -> Iterator[threading.Event]:
    """The pool's one thread held by a task until the event is set (set at the end anyway)."""
    gate = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        holding.set()
        gate.wait(WAIT)

    background.submit(hold)
    assert holding.wait(WAIT)
    try:
        yield gate
    finally:
        gate.set()


def test_work_leaves_when_the_transaction_commits_and_runs_on_the_pool(pool: None) -> None:
    seen: list[tuple[int, str, int]] = []
    done = threading.Event()

    def work(value: int) -> None:
        seen.append((value, threading.current_thread().name, ImportJob.objects.count()))
        done.set()

    # when work is queued inside a transaction
    with transaction.atomic():
        ImportJobFactory.create()
        background.submit(work, 7)
        # then nothing is handed over before the commit
        assert [len(connection.run_on_commit), seen, background.busy()] == [1, [], 0]
    # and after it, a thread of the pool runs it and sees what the transaction wrote
    assert done.wait(WAIT)
    assert seen == [(7, "sscard-background-1", 1)]
    assert background.wait_idle(WAIT)


def test_an_upload_answers_its_queued_job_and_the_pool_imports_it(
    held: threading.Event, city_officer: Any, client_for: Any
) -> None:
    # given a district, and the pool busy with other work
    DivisionFactory.create()
    client = client_for(city_officer)
    lines = ["credit_code,name,insured_district,payroll_banks"]
    lines += [f"{make_credit_code(300 + i)},后台导入公司{i},{XICHENG},ICBC" for i in range(3)]
    lines.append(f"not-a-code,坏数据,{XICHENG},ICBC")
    upload = SimpleUploadedFile("employers.csv", ("\n".join(lines) + "\n").encode())
    # when a file is posted to the API
    response = client.post("/api/v1/imports/employers", {"file": upload})
    # then the answer comes at once: 202, the job queued, where to poll it
    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["finished_at"], job["rows_read"]) == ("queued", None, 0)
    assert response["Location"] == job["status_url"] == f"/api/v1/imports/{job['id']}"
    # and the file waits in the data directory's uploads folder, not in a request's temp file
    spool = Path(ImportJob.objects.get(pk=job["id"]).spool_path)
    assert spool.parent == Path(settings.SSCARD_UPLOADS_DIR)
    assert spool.is_file()
    # and the job's page polls while it waits
    page = client.get(f"/imports/{job['id']}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert 'id="import-progress"' in page
    # when the pool is free again
    held.set()
    assert background.wait_idle(WAIT)
    # then the import has run: counts, report, the upload gone from disk
    done = client.get(job["status_url"]).json()
    assert done["status"] == "partial"
    assert (done["rows_inserted"], done["rows_refused"], done["has_report"]) == (3, 1, True)
    assert done["finished_at"] is not None
    assert Employer.objects.count() == 3
    assert not spool.exists()
    assert ImportJob.objects.get(pk=job["id"]).spool_path == ""
    # and its page stops polling and shows the result
    page = client.get(f"/imports/{job['id']}/").content.decode()
    assert 'hx-trigger="every 2s"' not in page
    assert f"/imports/{job['id']}/report.csv" in page


def test_a_stopping_server_ends_running_work_at_a_safe_point_and_takes_no_more(
    pool: None,
) -> None:
    running = threading.Event()
    ended: list[str] = []

    def long_work() -> None:
        running.set()
        tick = threading.Event()
        while not background.stopping():
            tick.wait(0.01)
        ended.append("at a safe point")

    background.submit(long_work)
    assert running.wait(WAIT)
    # when the server stops
    assert background.shutdown(grace=WAIT)
    # then the running work was told and ended, and the pool's thread with it
    assert ended == ["at a safe point"]
    assert background.busy() == 0
    # and work queued afterwards is left for the next start, not run
    late: list[int] = []
    background.submit(late.append, 1)
    assert (late, background.busy()) == ([], 0)

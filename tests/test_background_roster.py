"""A collective application's roster file is read off the request (issue 12, point 6): the
API answers 202 with the queued job at once, HR's page polls it, and once the server's pool has
read the file the job says what it did (shown once on the page) and the upload is gone. The
pool is held by other work while the request runs, so that the job is still queued when the
answer arrives: asserted on its state, never on time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.models import RosterEntry
from sscard.applications.tests.support import BJ_PILOT_DAY, in_force
from sscard.core import background
from sscard.testing.factories import PersonFactory, make_id_number

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 60.0  # seconds any wait may take on a loaded machine before the test fails
DAY = BJ_PILOT_DAY.isoformat()


@pytest.fixture
def opened(employer_hr: Any, client_for: Any) -> tuple[Any, int]:
    """HR's client and its open collective application, with two staff in the registry."""
    in_force("beijing-2024")
    for n, name in ((1, "李雷"), (2, "韩梅梅")):
        PersonFactory.create(employer=employer_hr.employer, id_number=make_id_number(n), name=name)
    hr = client_for(employer_hr)
    answer = hr.post("/api/v1/collectives", {"day": DAY}, content_type="application/json")
    return hr, int(answer.json()["id"])


@pytest.fixture
def held(opened: tuple[Any, int], settings: Any) -> Iterator[threading.Event]:
    """This process plays the embedded server, its one thread held until the event is set."""
    settings.SSCARD_BACKGROUND = "thread"
    settings.SSCARD_BACKGROUND_THREADS = 1
    background.serve()
    gate, holding = threading.Event(), threading.Event()

    def hold() -> None:
        holding.set()
        gate.wait(WAIT)

    background.submit(hold)
    assert holding.wait(WAIT)
    try:
        yield gate
    finally:
        gate.set()
        background.shutdown(grace=WAIT)
        background.reset()


_before: set[Path] = set()


def _all_uploads() -> set[Path]:
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    return set(folder.iterdir()) if folder.exists() else set()


@pytest.fixture(autouse=True)
def _uploads_of_this_test() -> None:
    """What the uploads directory held before the test: a job another test left awaiting an
    officer's word keeps its file there, as it would in production."""
    _before.clear()
    _before.update(_all_uploads())


def _uploads() -> list[Path]:
    """The spooled files this test's uploads left."""
    return sorted(_all_uploads() - _before)


def test_a_roster_file_is_read_by_the_pool_and_hr_s_page_follows_it(
    opened: tuple[Any, int], held: threading.Event
) -> None:
    hr, collective_id = opened
    lines = f"id_number,name\n{make_id_number(1)},李雷\n{make_id_number(2)},韩梅梅\n"
    upload = SimpleUploadedFile("名单.csv", lines.encode(), "text/csv")
    # when the roster file is posted to the API while the pool is busy
    answer = hr.post(
        f"/api/v1/collectives/{collective_id}/roster/upload", {"day": DAY, "file": upload}
    )
    # then the answer is the queued job, at once, and nobody is listed yet
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert (job["status"], job["result"], job["finished_at"]) == ("queued", None, None)
    assert answer["Location"] == job["status_url"]
    assert not RosterEntry.objects.exists()
    assert len(_uploads()) == 1
    # and a roster file uploaded from the page is queued too, its panel polling
    page_upload = SimpleUploadedFile("名单.csv", lines.encode(), "text/csv")
    hr.post(f"/collective/{collective_id}/roster/upload/", {"file": page_upload})
    page = hr.get(f"/collective/?id={collective_id}").content.decode()
    assert f'hx-get="/collective/{collective_id}/roster/job/"' in page
    # when the pool is free
    held.set()
    assert background.wait_idle(WAIT)
    # then the first job listed both staff, the second found them listed already
    done = hr.get(job["status_url"]).json()
    assert done["status"] == "succeeded"
    assert (done["result"]["added"], done["result"]["refused_total"]) == (2, 0)
    assert RosterEntry.objects.count() == 2
    assert _uploads() == []
    # and the page tells what its upload did, once
    page = hr.get(f"/collective/?id={collective_id}").content.decode()
    assert 'id="upload-result"' in page
    assert "roster/job/" not in page
    assert 'id="upload-result"' not in hr.get(f"/collective/?id={collective_id}").content.decode()

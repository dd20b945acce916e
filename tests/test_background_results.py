"""The card factory's result file is imported off the request (issue 12, point 6): the API
answers 202 with the queued job at once, the batch page polls it, and once the server's pool
has imported it the job holds the counts (or, refused, the located error) and the upload is
gone. The pool is held by other work while the request runs, so that the job is still queued
when the answer arrives: asserted on its state, never on time.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.core import background
from sscard.core.models import BackgroundJob
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.production.models import Batch, FactoryResult
from sscard.production.services import batch_export, batches_form
from sscard.production.services.factory import factory_key
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import OPERATOR, personalise, root

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 60.0  # seconds any wait may take on a loaded machine before the test fails


@pytest.fixture
def exported() -> tuple[Batch, bytes]:
    """A batch of two cards sent to the factory, and the factory's result (all made)."""
    in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    for _ in range(2):
        applied_at(outlet, applicant()[0])
    (batch,) = batches_form(actor=OPERATOR, today=today())
    personalise(batch)
    with tempfile.TemporaryDirectory() as tmp:
        files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=Path(tmp))
        intake = factory_read(
            data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
        )
    return batch, factory_result(intake)


@pytest.fixture
def held(exported: tuple[Batch, bytes], settings: Any) -> Iterator[threading.Event]:
    """This process plays the embedded server (once the batch is made), its one thread held
    until the event is set."""
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


def test_a_result_file_is_imported_by_the_pool_and_the_page_follows_it(
    exported: tuple[Batch, bytes],
    held: threading.Event,
    production_operator: Any,
    client_for: Any,
    tmp_path: Path,
) -> None:
    batch, result = exported
    operator = client_for(production_operator)
    (tmp_path / "result.csv").write_bytes(result)
    # when the factory's result is posted to the API while the pool is busy
    with (tmp_path / "result.csv").open("rb") as upload:
        answer = operator.post(f"/api/v1/production/batches/{batch.pk}/results", {"file": upload})
    # then the answer is the queued job, at once, and nothing is recorded yet
    assert answer.status_code == 202, answer.content
    job = answer.json()
    assert (job["status"], job["finished_at"], job["result"]) == ("queued", None, {})
    assert answer["Location"] == job["status_url"]
    assert not FactoryResult.objects.exists()
    assert len(_uploads()) == 1
    # and the batch page shows the import running, polling its panel
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert f'hx-get="/production/batches/{batch.pk}/results/job/?polling=1"' in page
    assert "结果文件 result.csv 正在导入" in page
    # when the pool is free
    held.set()
    assert background.wait_idle(WAIT)
    # then the job holds the counts, the result is recorded, the upload is gone
    done = operator.get(job["status_url"]).json()
    assert done["status"] == "succeeded"
    assert (done["result"]["made"], done["result"]["defective"]) == (2, 0)
    assert FactoryResult.objects.get().made == 2
    assert _uploads() == []
    # and the page stops polling and tells the outcome
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert "results/job/?polling=1" not in page
    assert "2张已制成，0张废卡" in page


def test_a_result_file_the_task_refuses_is_shown_with_its_row(
    exported: tuple[Batch, bytes],
    held: threading.Event,
    production_operator: Any,
    client_for: Any,
    tmp_path: Path,
) -> None:
    batch, _result = exported
    operator = client_for(production_operator)
    bogus = tmp_path / "bogus.csv"
    bogus.write_text("card_number,card_id_code,outcome,defect_reason\nX1,Y1,made,\n")
    with bogus.open("rb") as upload:
        answer = operator.post(f"/api/v1/production/batches/{batch.pk}/results", {"file": upload})
    assert answer.status_code == 202
    held.set()
    assert background.wait_idle(WAIT)
    refused = BackgroundJob.objects.get(pk=answer.json()["id"])
    assert (refused.status, refused.error_code) == ("refused", "factory_result_card_unknown")
    assert refused.result["details"]["row"] == 2
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert refused.error_message_zh in page
    assert not FactoryResult.objects.exists()
    assert _uploads() == []


# --------------------------------------------------------------------------------------------
# The page only writes the file and queues one job; the job checks it, then imports it or asks
# --------------------------------------------------------------------------------------------

BIG_ROWS = 20_000  # a factory's day: the request must not read them, the job names the wrong


def _big_result(result: bytes) -> bytes:
    """The batch's result followed by rows of cards the batch does not have: 20,000 rows."""
    lines = result.decode().splitlines()
    strangers = [f"C{9_000_000 + n:08d},X{n:031d},made," for n in range(BIG_ROWS - len(lines) + 1)]
    return ("\n".join([*lines, *strangers]) + "\n").encode()


def test_a_large_result_file_is_only_written_by_the_request_and_checked_by_the_job(
    exported: tuple[Batch, bytes],
    held: threading.Event,
    production_operator: Any,
    client_for: Any,
    tmp_path: Path,
) -> None:
    batch, result = exported
    operator = client_for(production_operator)
    big = tmp_path / "big.csv"
    big.write_bytes(_big_result(result))
    assert big.read_bytes().count(b"\n") == BIG_ROWS + 1  # the header and 20,000 rows
    # when the operator uploads it through the page while the pool is busy
    with big.open("rb") as upload:
        answer = operator.post(f"/production/batches/{batch.pk}/results/", {"file": upload})
    # then the page answers with the batch page and its job panel, nothing checked yet:
    # the file is on disk whole, the job queued with no count, nothing recorded
    assert answer.status_code == 302
    page = operator.get(answer["Location"]).content.decode()
    assert f'hx-get="/production/batches/{batch.pk}/results/job/?polling=1"' in page
    assert "结果文件 big.csv 正在导入" in page
    job = BackgroundJob.objects.get()
    assert (job.status, job.result, job.started_at) == ("queued", {}, None)
    (spooled,) = _uploads()
    assert spooled.stat().st_size == big.stat().st_size == job.file_bytes
    assert not FactoryResult.objects.exists()
    # when the pool runs the job
    held.set()
    assert background.wait_idle(WAIT)
    # then the file is refused with its wrong rows located, nothing recorded, the file gone
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("refused", "factory_result_card_unknown")
    details = job.result["details"]
    assert (details["row"], details["error_count"]) == (4, BIG_ROWS - 2)
    assert [e["row"] for e in details["errors"]] == list(range(4, 54))
    assert not FactoryResult.objects.exists()
    assert set(Card.objects.values_list("stage", flat=True)) == {"personalised"}
    assert _uploads() == []
    # and the panel lists the wrong rows, and how many more there are
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert "results/job/?polling=1" not in page
    assert "结果文件第4行：该卡不在本批次中。" in page
    assert "结果文件第53行" in page
    assert "结果文件第54行" not in page
    assert f"另有{BIG_ROWS - 52}行不符" in page


def test_a_result_with_defects_awaits_confirmation_then_the_page_imports_the_kept_file(
    exported: tuple[Batch, bytes],
    held: threading.Event,
    production_operator: Any,
    client_for: Any,
    tmp_path: Path,
) -> None:
    batch, _result = exported
    operator = client_for(production_operator)
    spoiled, made = Card.objects.filter(batch_entry__batch=batch).order_by("pk")
    (tmp_path / "result.csv").write_text(
        "card_number,card_id_code,outcome,defect_reason\n"
        f"{spoiled.card_number},{spoiled.card_id_code},defective,chip\n"
        f"{made.card_number},{made.card_id_code},made,\n"
    )
    with (tmp_path / "result.csv").open("rb") as upload:
        operator.post(f"/production/batches/{batch.pk}/results/", {"file": upload})
    # when the pool has checked it
    held.set()
    assert background.wait_idle(WAIT)
    # then the job awaits confirmation with what the import would do; nothing is written and
    # the file is kept for the import
    job = BackgroundJob.objects.get()
    assert job.status == "awaiting"
    assert (job.result["made"], job.result["defective"], job.result["unchanged"]) == (1, 1, 0)
    assert len(_uploads()) == 1
    assert not FactoryResult.objects.exists()
    # and the panel's poll reloads the page, which asks, with both ways on
    poll = operator.get(
        f"/production/batches/{batch.pk}/results/job/?polling=1", HTTP_HX_REQUEST="true"
    )
    assert poll["HX-Refresh"] == "true"
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert 'data-confirm="import-result"' in page
    assert "该文件报告1张卡已制成、1张废卡" in page
    assert "确定导入并重新制作废卡" in page
    assert "放弃该文件" in page
    # when the operator confirms (the pool busy again), the kept file is queued for import
    gate = threading.Event()
    background.submit(gate.wait, WAIT)
    confirmed = operator.post(
        f"/production/batches/{batch.pk}/results/", {"job": str(job.pk), "confirm": "1"}
    )
    assert confirmed.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.params["confirmed"]) == ("queued", True)
    gate.set()
    assert background.wait_idle(WAIT)
    # then it is imported: the defective card remade, the file gone
    job.refresh_from_db()
    assert job.status == "succeeded", job.error_message_en
    assert (job.result["made"], job.result["defective"]) == (1, 1)
    assert Card.objects.get(remake_of=spoiled).stage == "ordered"
    assert _uploads() == []
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert "1张已制成，1张废卡，0张此前已记录" in page

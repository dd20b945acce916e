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


def _uploads() -> list[Path]:
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    return list(folder.iterdir()) if folder.exists() else []


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

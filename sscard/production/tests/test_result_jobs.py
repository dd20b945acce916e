"""The factory's result file as one background job (issue 12, point 6), where work runs in the
caller (the tests' set-up; ``tests/test_background_results.py`` runs it in the server's pool):
a file that would cancel and remake defective cards ends awaiting confirmation with its counts,
and is imported from the file kept — confirmed on the page or through the API — or discarded,
leaving nothing; each button is offered exactly when its service would accept it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.core.models import BackgroundJob
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.production.models import Batch, FactoryResult
from sscard.production.services import batch_export, batches_form, factory_result_import
from sscard.production.services.factory import factory_key
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import OPERATOR, personalise, root

pytestmark = pytest.mark.django_db
BATCHES = "/api/v1/production/batches"


@pytest.fixture
def sent(tmp_path: Path) -> tuple[Batch, bytes, bytes]:
    """A batch of three cards sent to the factory; its result with one card defective, and
    with every card made."""
    in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行")
    for _ in range(3):
        applied_at(outlet, applicant()[0])
    (batch,) = batches_form(actor=OPERATOR, today=today())
    personalise(batch)
    files = batch_export(actor=OPERATOR, batch_id=batch.pk, out_dir=tmp_path)
    intake = factory_read(
        data=files.data, manifest=files.manifest, key=factory_key(), trusted_root=root()
    )
    spoiled = intake.cards[0]["card_number"]
    return batch, factory_result(intake, defective=[spoiled]), factory_result(intake)


def _uploads() -> list[Path]:
    folder = Path(settings.SSCARD_UPLOADS_DIR)
    return list(folder.iterdir()) if folder.exists() else []


def _state() -> tuple[Any, ...]:
    """Everything an import could change."""
    return (
        list(Card.objects.order_by("pk").values_list("pk", "stage", "ss_function")),
        list(Batch.objects.order_by("pk").values_list("pk", "kind", "status")),
        FactoryResult.objects.count(),
    )


def _file(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("result.csv", data, content_type="text/csv")


def test_the_page_asks_then_discarding_leaves_nothing_and_confirming_after_it_is_refused(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, defective, _made = sent
    operator = client_for(production_operator)
    before = _state()
    # the upload is checked by its job at once here: the page asks, with both ways on
    asked = operator.post(f"/production/batches/{batch.pk}/results/", {"file": _file(defective)})
    body = asked.content.decode()
    job = BackgroundJob.objects.get()
    assert (asked.status_code, job.status) == (200, "awaiting")
    assert (job.result["made"], job.result["defective"], job.result["unchanged"]) == (2, 1, 0)
    assert "该文件报告2张卡已制成、1张废卡" in body
    assert "已检查：2张已制成，1张废卡，0张此前已记录。确认之前不会导入任何内容。" in body
    assert "确定导入并重新制作废卡" in body
    assert "放弃该文件" in body
    assert _state() == before
    assert len(_uploads()) == 1
    # when the operator discards it: nothing is written, the file is gone, the panel says so
    page = operator.post(
        f"/production/batches/{batch.pk}/results/discard/", {"job": str(job.pk)}, follow=True
    )
    job.refresh_from_db()
    assert job.status == "discarded"
    assert _state() == before
    assert _uploads() == []
    body = page.content.decode()
    assert "结果文件已放弃，未导入任何内容。" in body
    assert "结果文件 result.csv 已放弃" in body
    assert 'data-confirm="import-result"' not in body
    # and a confirmation posted afterwards (a second tab) is refused, nothing written
    page = operator.post(
        f"/production/batches/{batch.pk}/results/",
        {"job": str(job.pk), "staged": job.file_digest, "confirm": "1"},
        follow=True,
    )
    assert "result_job_not_awaiting" in page.content.decode()
    assert _state() == before


def test_a_newer_upload_replaces_a_file_awaiting_confirmation(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, defective, made = sent
    operator = client_for(production_operator)
    operator.post(f"/production/batches/{batch.pk}/results/", {"file": _file(defective)})
    first = BackgroundJob.objects.get()
    # when the factory sends a corrected file, every card made
    page = operator.post(
        f"/production/batches/{batch.pk}/results/", {"file": _file(made)}, follow=True
    )
    # then it is imported at once (no card to cancel) and the first file is dropped
    first.refresh_from_db()
    assert first.status == "discarded"
    assert FactoryResult.objects.get().made == 3
    assert "3张已制成，0张废卡，0张此前已记录" in page.content.decode()
    assert _uploads() == []
    # and the question of the first file, answered late, finds it no longer awaiting
    late = operator.post(
        f"/production/batches/{batch.pk}/results/",
        {"staged": first.file_digest, "confirm": "1"},
        follow=True,
    )
    assert "result_job_not_awaiting" in late.content.decode()
    assert not Batch.objects.filter(kind="remake").exists()


def test_through_the_api_a_job_is_polled_then_confirmed_without_a_second_upload(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, defective, _made = sent
    api = client_for(production_operator)
    before = _state()
    # when the caller asks to confirm defects itself
    queued = api.post(
        f"{BATCHES}/{batch.pk}/results", {"file": _file(defective), "confirm_defects": "false"}
    )
    # then the answer is the job, awaiting, with the counts and what may be done next
    assert queued.status_code == 202, queued.content
    job = queued.json()
    assert queued["Location"] == job["status_url"]
    assert job["status"] == "awaiting"
    assert (job["result"]["made"], job["result"]["defective"]) == (2, 1)
    assert job["next"] == {"confirm": True, "discard": True}
    assert api.get(job["status_url"]).json() == job
    assert _state() == before
    # when it confirms: the kept file is imported (at once here: 200 with the counts)
    done = api.post(job["confirm_url"])
    assert done.status_code == 200, done.content
    assert (done.json()["made"], done.json()["defective"], done.json()["unchanged"]) == (2, 1, 0)
    assert done.json()["remake_batch_id"] is not None
    assert Card.objects.filter(remake_of__isnull=False).count() == 1
    assert _uploads() == []
    polled = api.get(job["status_url"]).json()
    assert (polled["status"], polled["next"]) == (
        "succeeded",
        {"confirm": False, "discard": False},
    )
    # and it cannot be confirmed or discarded again
    for url in (job["confirm_url"], job["discard_url"]):
        again = api.post(url)
        assert (again.status_code, again.json()["code"]) == (409, "result_job_not_awaiting")
    assert Card.objects.filter(remake_of__isnull=False).count() == 1
    # and the same file again is answered as imported before, changing nothing
    after = _state()
    repeat = api.post(
        f"{BATCHES}/{batch.pk}/results", {"file": _file(defective), "confirm_defects": "false"}
    )
    assert repeat.status_code == 200
    assert BackgroundJob.objects.latest("pk").result["imported_before"] is True
    assert _state() == after


def test_a_job_awaiting_while_the_batch_completes_may_only_be_discarded(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, defective, made = sent
    api = client_for(production_operator)
    job = api.post(
        f"{BATCHES}/{batch.pk}/results", {"file": _file(defective), "confirm_defects": "false"}
    ).json()
    # given the batch's every card reported meanwhile (the command line imports another file)
    factory_result_import(actor=OPERATOR, batch_id=batch.pk, data=made, today=today())
    before = _state()
    # then neither the API nor the page offers the confirmation, and the service refuses it
    assert api.get(job["status_url"]).json()["next"] == {"confirm": False, "discard": True}
    page = api.get(f"/production/batches/{batch.pk}/").content.decode()
    assert "确定导入并重新制作废卡" not in page
    assert "放弃该文件" in page
    refused = api.post(job["confirm_url"])
    assert (refused.status_code, refused.json()["code"]) == (409, "batch_results_complete")
    assert _state() == before
    # and discarding it drops the file
    discarded = api.post(job["discard_url"])
    assert (discarded.status_code, discarded.json()["status"]) == (200, "discarded")
    assert _uploads() == []
    assert _state() == before


def test_a_bad_file_ends_refused_with_its_rows_and_nothing_written(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, defective, _made = sent
    operator = client_for(production_operator)
    lines = defective.decode().splitlines()
    bad = "\n".join([lines[0], lines[1].replace("defective", "lost"), lines[2], "X1,Y1,made,"])
    before = _state()
    page = operator.post(
        f"/production/batches/{batch.pk}/results/", {"file": _file(bad.encode())}, follow=True
    )
    job = BackgroundJob.objects.get()
    assert (job.status, job.error_code) == ("refused", "factory_result_outcome")
    assert [(e["row"], e["code"]) for e in job.result["details"]["errors"]] == [
        (2, "factory_result_outcome"),
        (4, "factory_result_card_unknown"),
    ]
    body = page.content.decode()
    assert "结果文件第2行：结果须为 made 或 defective。" in body
    assert "结果文件第4行：该卡不在本批次中。" in body
    assert _state() == before
    assert _uploads() == []
    # the API names the same rows
    api = client_for(production_operator)
    refused = api.post(f"{BATCHES}/{batch.pk}/results", {"file": _file(bad.encode())})
    assert refused.status_code == 422
    assert [e["row"] for e in refused.json()["details"]["errors"]] == [2, 4]
    assert refused.json()["details"]["error_count"] == 2


def test_the_panel_shows_the_phase_while_the_job_runs(
    sent: tuple[Batch, bytes, bytes], production_operator: Any, client_for: Any
) -> None:
    batch, _defective, _made = sent
    operator = client_for(production_operator)
    job = BackgroundJob.objects.create(
        kind="factory_result",
        object_type="production.batch",
        object_id=str(batch.pk),
        actor_label="operator",
        file_name="result.csv",
        file_bytes=2048,
        status="running",
        result={"phase": "checking"},
        created_at=batch.created_at,
    )
    poll = f"/production/batches/{batch.pk}/results/job/?polling=1"
    panel = operator.get(poll, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-result-phase="checking"' in panel
    assert (
        "结果文件 result.csv（2.0\xa0KB）正在对照批次逐行检查" in panel
    )  # size as Django writes it
    BackgroundJob.objects.filter(pk=job.pk).update(
        result={"phase": "importing", "made": 2, "defective": 1, "unchanged": 0}
    )
    panel = operator.get(poll, HTTP_HX_REQUEST="true").content.decode()
    assert "结果文件 result.csv 正在导入：2张已制成，1张废卡" in panel
    polled = client_for(production_operator).get(f"/api/v1/production/result-jobs/{job.pk}")
    assert polled.json()["progress"]["phase"] == "importing"

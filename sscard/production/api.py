"""API operations of production: batches, their progress, personalisation, the card-factory
file and the factory's result."""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

from typing import Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from sscard.core.clock import today
from sscard.core.jobs import job_refusal
from sscard.core.models import BackgroundJob
from sscard.core.request_errors import RequestErrorCode
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.production.errors import ProductionErrorCode
from sscard.production.models import Batch
from sscard.production.rules import result_job_confirm_refusal, result_job_discard_refusal
from sscard.production.schemas import BatchOut, ResultJobOut, ResultOut
from sscard.production.selectors import (
    batch_get,
    batch_page_get,
    batch_progress,
    batch_rows,
    batch_steps,
    result_job_get,
)
from sscard.production.services import (
    batch_export,
    batch_start,
    batches_form,
)
from sscard.production.services.result_jobs import (
    factory_result_confirm,
    factory_result_discard,
    factory_result_queue,
)

router = Router(tags=["production"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}
# chosen: a result file lists one short line per card; 100,000 cards fit in a few MB.
MAX_RESULT_BYTES = 64 * 1024 * 1024


def batch_out(batch: Batch) -> dict[str, Any]:
    progress = batch_progress(batch)
    steps = batch_steps(batch)
    return {
        "id": batch.pk,
        "kind": batch.kind,
        "channel": batch.channel,
        "collected_on": batch.collected_on,
        "status": batch.status,
        "phase": str(steps.phase),
        "phase_name": str(steps.phase.label),
        "card_count": batch.card_count,
        "personalised": progress.personalised,
        "produced": progress.produced,
        "defective": progress.defective,
        "to_dispatch": getattr(batch, "n_to_dispatch", 0),
        "percent_personalised": progress.percent_personalised,
        "created_at": batch.created_at,
        "next": {
            "start": steps.start,
            "export": steps.export,
            "upload_result": steps.upload,
            "dispatch": steps.dispatch,
        },
    }


@router.get("/production/batches", response={200: list[BatchOut], **ERRORS})
def batches(request: HttpRequest) -> list[dict[str, Any]]:
    """Every batch, oldest collection first, with its progress."""
    return [batch_out(b) for b in batch_rows(actor=request_actor(request))[:500]]


@router.post("/production/batches", response={201: list[BatchOut], **WRITE_ERRORS})
def batches_create(request: HttpRequest) -> Status[list[dict[str, Any]]]:
    """Form batches of the submitted applications by channel and collection date (SH-10)."""
    actor = request_actor(request)
    formed = batches_form(actor=actor, today=today())
    return Status(201, [batch_out(batch_page_get(actor=actor, batch_id=b.pk)) for b in formed])


@router.get("/production/batches/{int:batch_id}", response={200: BatchOut, **ERRORS})
def batches_get(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """One batch and its progress (poll it while it is personalised)."""
    return batch_out(batch_page_get(actor=request_actor(request), batch_id=batch_id))


@router.post("/production/batches/{int:batch_id}/start", response={200: BatchOut, **WRITE_ERRORS})
def batches_start(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """Start or resume personalisation: the workers share the batch chunk by chunk."""
    actor = request_actor(request)
    batch_start(actor=actor, batch_id=batch_id)
    return batch_out(batch_page_get(actor=actor, batch_id=batch_id))


@router.post("/production/batches/{int:batch_id}/export", response={200: None, **WRITE_ERRORS})
def batches_export(request: HttpRequest, batch_id: int) -> FileResponse:
    """The batch's card-factory file (SM4-GCM); its signed SM3 manifest is at ``/manifest``."""
    files = batch_export(
        actor=request_actor(request), batch_id=batch_id, out_dir=settings.SSCARD_FACTORY_DIR
    )
    return FileResponse(files.data.open("rb"), as_attachment=True, filename=files.data.name)


@router.get("/production/batches/{int:batch_id}/manifest", response={200: dict[str, Any], **ERRORS})
def batches_manifest(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """The signed SM3 manifest of the batch's latest card-factory file."""
    batch = batch_get(actor=request_actor(request), batch_id=batch_id)
    export = batch.exports.order_by("-pk").first()
    if export is None:
        raise ProductionErrorCode.BATCH_NOT_EXPORTED.error()
    manifest: dict[str, Any] = export.manifest
    return manifest


@router.post(
    "/production/batches/{int:batch_id}/results",
    response={200: ResultOut, 202: ResultJobOut, **WRITE_ERRORS},
)
def batches_result(
    request: HttpRequest,
    response: HttpResponse,
    batch_id: int,
    file: File[UploadedFile],
    confirm_defects: Form[bool] = True,
) -> Status[Any]:
    """Import the factory's result file (CSV: card_number, card_id_code, outcome,
    defect_reason). All or nothing; the same file again changes nothing.

    The file is checked and imported off the request: the answer is 202 with the queued job
    (poll its ``status_url``, also in ``Location``); where the import has ended already it is
    200 with the counts, as the job's ``result`` will hold them, and a refusal answers its
    error (the first wrong row; ``details.errors`` lists the wrong rows). With
    ``confirm_defects`` false, a file that would cancel and remake defective cards is not
    imported: its job ends ``awaiting`` with the counts in ``result``, to be confirmed
    (``confirm_url``) or discarded (``discard_url``), as the batch page asks the operator."""
    if (file.size or 0) > MAX_RESULT_BYTES:
        raise RequestErrorCode.PAYLOAD_TOO_LARGE.error()
    job = factory_result_queue(
        actor=request_actor(request),
        batch_id=batch_id,
        upload=file,
        confirm_defects=confirm_defects,
    )
    return _job_answer(response, job)


def _job_answer(response: HttpResponse, job: BackgroundJob) -> Status[Any]:
    """200 with the counts where the job has imported the file, its refusal where it refused
    it, else 202 with the job (queued, running or awaiting confirmation)."""
    refusal = job_refusal(job)
    if refusal is not None:
        raise refusal
    if job.status == BackgroundJob.Status.SUCCEEDED:
        return Status(200, job.result)
    response["Location"] = _job_url(job)
    return Status(202, _job_out(job))


def _job_url(job: BackgroundJob, name: str = "production_result_job") -> str:
    return reverse(f"api:{name}", kwargs={"job_id": job.pk})


_SHOWN = (BackgroundJob.Status.SUCCEEDED, BackgroundJob.Status.AWAITING)
_RUNNING = (BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING)


def _job_out(job: BackgroundJob) -> dict[str, Any]:
    batch = Batch.objects.get(pk=int(job.object_id))
    return {
        "id": job.pk,
        "status": job.status,
        "batch_id": batch.pk,
        "file_name": job.file_name,
        "result": job.result if job.status in _SHOWN else {},
        "progress": job.result if job.status in _RUNNING else {},
        "error_code": job.error_code,
        "error_message_zh": job.error_message_zh,
        "error_message_en": job.error_message_en,
        "errors": list(job.result.get("details", {}).get("errors", []))
        if job.status == BackgroundJob.Status.REFUSED
        else [],
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "status_url": _job_url(job),
        "confirm_url": _job_url(job, "production_result_job_confirm"),
        "discard_url": _job_url(job, "production_result_job_discard"),
        # each exactly when its operation would accept it, as the page offers its buttons
        "next": {
            "confirm": result_job_confirm_refusal(job, batch) is None,
            "discard": result_job_discard_refusal(job) is None,
        },
    }


@router.get(
    "/production/result-jobs/{int:job_id}",
    response={200: ResultJobOut, **ERRORS},
    url_name="production_result_job",
)
def result_jobs_get(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """A result file's job: its status and progress, then its counts, the counts awaiting
    confirmation, or why the file was refused (its wrong rows)."""
    return _job_out(result_job_get(actor=request_actor(request), job_id=job_id))


@router.post(
    "/production/result-jobs/{int:job_id}/confirm",
    response={200: ResultOut, 202: ResultJobOut, **WRITE_ERRORS},
    url_name="production_result_job_confirm",
)
def result_jobs_confirm(request: HttpRequest, response: HttpResponse, job_id: int) -> Status[Any]:
    """Import the file of a job awaiting confirmation (no second upload): its defective cards
    are cancelled and remade. 409 ``result_job_not_awaiting`` unless it awaits, or the
    batch's refusal when it takes no result now. Answers as the upload does."""
    actor = request_actor(request)
    job = result_job_get(actor=actor, job_id=job_id)
    return _job_answer(response, factory_result_confirm(actor=actor, job_id=job.pk))


@router.post(
    "/production/result-jobs/{int:job_id}/discard",
    response={200: ResultJobOut, **WRITE_ERRORS},
    url_name="production_result_job_discard",
)
def result_jobs_discard(request: HttpRequest, job_id: int) -> dict[str, Any]:
    """Drop the file of a job awaiting confirmation: nothing is imported, the file removed."""
    actor = request_actor(request)
    job = result_job_get(actor=actor, job_id=job_id)
    return _job_out(factory_result_discard(actor=actor, job_id=job.pk))

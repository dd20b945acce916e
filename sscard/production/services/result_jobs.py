"""The card factory's result file, checked and imported off the request.

The page (or the API) only writes the upload to the data directory's uploads folder, chunk by
chunk, records one background job (``sscard.core.jobs``) and answers at once; a task then
checks the file (:func:`factory_result_check`: every row against the batch) and

* imports it at once (:func:`factory_result_import`, all or nothing) when no card would be
  cancelled — none defective, or the file imported before —, or when whoever uploaded it
  said so beforehand (the API's ``confirm_defects``);
* otherwise ends *awaiting confirmation* with the counts the import would give (made,
  defective, unchanged), the file kept: the defective cards would be cancelled at once and
  remade. :func:`factory_result_confirm` queues the import of that same file (no second
  upload), :func:`factory_result_discard` drops it.

A refused file ends the job refused, its wrong rows located (row, code, both messages). The
batch page shows the job while it runs (its phase: checking, importing), then its outcome or
its question; the API's job answer says the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from sscard.core import background, clock
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError, NotFound
from sscard.core.jobs import (
    JobAwaits,
    job_confirm,
    job_discard,
    job_progress,
    job_queue,
    job_run,
    jobs_recover,
)
from sscard.core.models import BackgroundJob
from sscard.core.uploads import spool_remove, spool_upload
from sscard.production.models import Batch, FactoryResult
from sscard.production.rules import result_job_confirm_refusal, result_job_discard_refusal
from sscard.production.services.batches import check_operator
from sscard.production.services.factory import (
    OBJECT,
    ResultCheck,
    factory_result_check,
    factory_result_import,
)

RESULT_JOB = "factory_result"
# The job's parameter that lets the import cancel and remake defective cards.
CONFIRMED = "confirmed"


def _submit(job: BackgroundJob) -> BackgroundJob:
    """Hand the job's task over (where work runs in the caller it has ended on return)."""
    from sscard.production.tasks import factory_result_task

    background.submit(factory_result_task, job.pk)
    job.refresh_from_db()
    return job


def factory_result_queue(
    *,
    actor: Actor,
    batch_id: int,
    upload: UploadedFile[bytes],
    confirm_defects: bool = False,
) -> BackgroundJob:
    """Queue the check and import of the factory's result file for the batch; answer its job
    at once (where work runs in the caller, as it has ended: imported, awaiting confirmation,
    or refused — the refusal is on the job, see :func:`sscard.core.jobs.job_refusal`).

    The upload is written to the uploads folder chunk by chunk, never read whole here; its
    task removes it once it is imported or refused. ``confirm_defects``: defective cards may
    be cancelled and remade without asking (the API's caller has decided); the page asks.
    A result job of the batch still awaiting confirmation is discarded: this file replaces it.
    """
    check_operator(actor)
    if not Batch.objects.filter(pk=batch_id).exists():
        raise NotFound("batch", what_zh="该批次")
    spooled = spool_upload(upload, prefix="result")
    try:
        job = job_queue(
            kind=RESULT_JOB,
            actor=actor,
            object_type=OBJECT,
            object_id=batch_id,
            spooled=spooled,
            params={CONFIRMED: confirm_defects},
        )
    except BaseException:
        spool_remove(spooled.path)
        raise
    for older in BackgroundJob.objects.filter(
        kind=RESULT_JOB,
        object_type=OBJECT,
        object_id=str(batch_id),
        status=BackgroundJob.Status.AWAITING,
        pk__lt=job.pk,
    ):
        job_discard(older, actor=actor)
    return _submit(job)


def _result_job(job_id: int) -> tuple[BackgroundJob, Batch]:
    job = BackgroundJob.objects.filter(pk=job_id, kind=RESULT_JOB, object_type=OBJECT).first()
    batch = Batch.objects.filter(pk=int(job.object_id)).first() if job is not None else None
    if job is None or batch is None:
        raise NotFound("result import", what_zh="该结果导入任务")
    return job, batch


def factory_result_confirm(*, actor: Actor, job_id: int) -> BackgroundJob:
    """Import the file of a result job awaiting confirmation, on behalf of ``actor``: its
    defective cards are cancelled and remade. Answer the job, queued again (where work runs in
    the caller, as it has ended). Refused unless the job awaits confirmation and the batch
    still takes results (``production.rules.result_job_confirm_refusal``, the page's
    predicate for its button)."""
    check_operator(actor)
    job, batch = _result_job(job_id)
    refused = result_job_confirm_refusal(job, batch)
    if refused is not None:
        raise refused
    if not job_confirm(job, actor=actor, params={CONFIRMED: True}):
        raise _not_awaiting(job)  # confirmed or discarded by someone else meanwhile
    return _submit(job)


def factory_result_discard(*, actor: Actor, job_id: int) -> BackgroundJob:
    """Drop the file of a result job awaiting confirmation: nothing is imported, the file is
    removed. Refused unless the job awaits confirmation (``result_job_discard_refusal``)."""
    check_operator(actor)
    job, _batch = _result_job(job_id)
    refused = result_job_discard_refusal(job)
    if refused is not None:
        raise refused
    if not job_discard(job, actor=actor):
        raise _not_awaiting(job)
    return job


def _not_awaiting(job: BackgroundJob) -> ApplicationError:
    refused = result_job_discard_refusal(job)
    assert refused is not None  # the job is no longer awaiting
    return refused


COUNTS = ("made", "defective", "unchanged")


def _counts(found: ResultCheck | FactoryResult) -> dict[str, int]:
    return {name: int(getattr(found, name)) for name in COUNTS}


def _work(job: BackgroundJob, actor: Actor, path: Path | None) -> dict[str, Any]:
    """The task's work: check the spooled file, then import it or ask first; what the page
    and the API report."""
    assert path is not None  # a result job always carries its file
    batch_id = int(job.object_id)
    data = path.read_bytes()
    # confirmed after the check, the counts it found; confirmed beforehand, none yet
    counts = {name: job.result[name] for name in COUNTS if name in job.result}
    if not job.params.get(CONFIRMED):
        job_progress(job, phase="checking")
        check = factory_result_check(actor=actor, batch_id=batch_id, data=data)
        counts = _counts(check)
        if check.defective and not check.imported_before:
            raise JobAwaits({**counts, "imported_before": False})
    job_progress(job, phase="importing", **counts)
    before = set(FactoryResult.objects.filter(batch_id=batch_id).values_list("pk", flat=True))
    result = factory_result_import(actor=actor, batch_id=batch_id, data=data, today=clock.today())
    return {
        "id": result.pk,
        **_counts(result),
        "remake_batch_id": result.remake_batch_id,
        "imported_before": result.pk in before,
        "created_at": result.created_at.isoformat(),
    }


def factory_result_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued result job (the task's body); how it ended is recorded on the job."""
    return job_run(job_id, _work)


def factory_result_jobs_resume() -> list[int]:
    """Queue again the result jobs a stopped server left (a starting server's hook); those
    awaiting confirmation wait on."""
    from sscard.production.tasks import factory_result_task

    return jobs_recover(
        kind=RESULT_JOB, queue=lambda pk: background.submit(factory_result_task, pk)
    )

"""The card factory's result file imported off the request: the page (or the API) queues it
as a background job (``sscard.core.jobs``) and answers at once; a task imports it with
:func:`factory_result_import`, all or nothing, and the batch page shows the job until it ends,
then its outcome (the counts, the remake batch) or its refusal (located by row)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sscard.core import background, clock
from sscard.core.actors import Actor
from sscard.core.errors import NotFound
from sscard.core.jobs import job_queue, job_refusal, job_run, jobs_recover
from sscard.core.models import BackgroundJob
from sscard.core.uploads import spool_bytes
from sscard.production.models import Batch, FactoryResult
from sscard.production.services.batches import check_operator
from sscard.production.services.factory import OBJECT, factory_result_import

RESULT_JOB = "factory_result"


def factory_result_queue(
    *, actor: Actor, batch_id: int, data: bytes, file_name: str = ""
) -> BackgroundJob:
    """Queue the import of the factory's result file for the batch; answer its job at once.

    The file waits in the data directory's uploads folder for the task, which removes it once
    read. Where work runs in the caller (tests, a command line) the job is answered finished,
    and a refusal is raised as the import raises it.
    """
    check_operator(actor)
    if not Batch.objects.filter(pk=batch_id).exists():
        raise NotFound("batch", what_zh="该批次")
    spooled = spool_bytes(data, prefix="result", name=file_name or "result.csv")
    job = job_queue(
        kind=RESULT_JOB, actor=actor, object_type=OBJECT, object_id=batch_id, spooled=spooled
    )
    from sscard.production.tasks import factory_result_task

    background.submit(factory_result_task, job.pk)
    job.refresh_from_db()
    refusal = job_refusal(job)
    if refusal is not None:
        raise refusal
    return job


def _import(job: BackgroundJob, actor: Actor, path: Path | None) -> dict[str, Any]:
    """The task's work: import the spooled file; what the page and the API report."""
    assert path is not None  # a result job always carries its file
    batch_id = int(job.object_id)
    before = set(FactoryResult.objects.filter(batch_id=batch_id).values_list("pk", flat=True))
    result = factory_result_import(
        actor=actor, batch_id=batch_id, data=path.read_bytes(), today=clock.today()
    )
    return {
        "id": result.pk,
        "made": result.made,
        "defective": result.defective,
        "unchanged": result.unchanged,
        "remake_batch_id": result.remake_batch_id,
        "imported_before": result.pk in before,
        "created_at": result.created_at.isoformat(),
    }


def factory_result_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued result import (the task's body); its refusal is recorded on the job."""
    return job_run(job_id, _import)


def factory_result_jobs_resume() -> list[int]:
    """Queue again the result imports a stopped server left (a starting server's hook)."""
    from sscard.production.tasks import factory_result_task

    return jobs_recover(
        kind=RESULT_JOB, queue=lambda pk: background.submit(factory_result_task, pk)
    )

"""A collective application's roster file read off the request: HR's page (or the API)
queues it as a background job (``sscard.core.jobs``) and answers at once; a task builds the
roster from it with :func:`roster_upload` (valid rows in, refused rows in the error report),
and the page shows the job until it ends, then what it did, or why the file was refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile

from sscard.applications.selectors import collective_get
from sscard.applications.services.collective import roster_upload
from sscard.core import background
from sscard.core.actors import Actor
from sscard.core.jobs import job_queue, job_refusal, job_run, jobs_recover
from sscard.core.models import BackgroundJob
from sscard.core.uploads import spool_remove, spool_upload

ROSTER_JOB = "roster_upload"
OBJECT = "applications.collective"


def roster_upload_queue(
    *, actor: Actor, collective_id: int, day: date, upload: UploadedFile[bytes]
) -> BackgroundJob:
    """Queue building the roster from an uploaded CSV/XLSX; answer its job at once.

    The file (ID numbers in the clear) waits in the data directory's uploads folder for the
    task, which removes it once read. Where work runs in the caller (tests, a command line)
    the job is answered finished, and a refusal of the whole file is raised as in the request.
    """
    collective_get(actor=actor, collective_id=collective_id)  # its scope and refusal
    spooled = spool_upload(upload, prefix="roster")
    try:
        job = job_queue(
            kind=ROSTER_JOB,
            actor=actor,
            object_type=OBJECT,
            object_id=collective_id,
            spooled=spooled,
            params={"day": day.isoformat()},
        )
    except BaseException:
        spool_remove(spooled.path)
        raise
    from sscard.applications.tasks import roster_upload_task

    background.submit(roster_upload_task, job.pk)
    job.refresh_from_db()
    refusal = job_refusal(job)
    if refusal is not None:
        raise refusal
    return job


def _build(job: BackgroundJob, actor: Actor, path: Path | None) -> dict[str, Any]:
    """The task's work: the roster from the spooled file; what the page and the API report."""
    assert path is not None  # a roster job always carries its file
    result = roster_upload(
        actor=actor,
        collective_id=int(job.object_id),
        day=date.fromisoformat(str(job.params["day"])),
        path=path,
        file_name=job.file_name,
    )
    return {
        "added": result.added,
        "already": result.already,
        "refused": dict(result.refused),
        "refused_total": result.refused_total,
        "report_path": result.report_path,
        "report": Path(result.report_path).name if result.report_path else "",
    }


def roster_upload_job_run(*, job_id: int) -> BackgroundJob:
    """Run a queued roster upload (the task's body); its refusal is recorded on the job."""
    return job_run(job_id, _build)


def roster_upload_jobs_resume() -> list[int]:
    """Queue again the roster uploads a stopped server left (a starting server's hook)."""
    from sscard.applications.tasks import roster_upload_task

    return jobs_recover(kind=ROSTER_JOB, queue=lambda pk: background.submit(roster_upload_task, pk))

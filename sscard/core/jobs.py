"""Background jobs: work a page or the API starts on an uploaded file, run by a task.

The request spools the upload to the data directory, records a queued :class:`BackgroundJob`
and hands a task over (``sscard.core.background``); it answers at once with the job, which the
page polls. The task claims the job, runs the app's work on behalf of whoever started it, and
records how it ended: the work's result, or its refusal with both messages (located: row,
cell). The upload is removed once read. The work is one transaction and safe to run again (a
result file imported twice changes nothing), so a job whose server died while running it is
simply queued again by the next server's start.

Work that must not go on without a person's word (it would cancel and remake cards) checks its
file and raises :class:`JobAwaits`: the job ends *awaiting confirmation* with what going on
would do, its file kept. :func:`job_confirm` queues it again, with the confirmation among its
parameters, on behalf of whoever confirmed; :func:`job_discard` ends it and removes the file.
While work runs, :func:`job_progress` records how far it has got for the page to show.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from sscard.core.actors import Actor, Role
from sscard.core.bulk import HOST, process_alive
from sscard.core.errors import ApplicationError
from sscard.core.models import BackgroundJob
from sscard.core.uploads import SpooledFile, spool_remove

Work = Callable[[BackgroundJob, Actor, Path | None], Mapping[str, Any]]
"""The app's work: given the job, who started it and the spooled upload, its result."""


class JobAwaits(Exception):  # not an error: the work's answer "ask first"
    """Raised by work that has checked its file and needs a person's word before it goes on:
    the job ends awaiting confirmation with ``result`` (what going on would do), and its file
    is kept for the run that follows the confirmation."""

    def __init__(self, result: Mapping[str, Any]) -> None:
        super().__init__("awaiting confirmation")
        self.result = dict(result)


def job_queue(
    *,
    kind: str,
    actor: Actor,
    object_type: str,
    object_id: int | str,
    spooled: SpooledFile | None = None,
    params: Mapping[str, Any] | None = None,
) -> BackgroundJob:
    """Record a queued job (the caller hands its task over); ``params`` (JSON) go to the work
    with the job."""
    return BackgroundJob.objects.create(
        kind=kind,
        params=dict(params or {}),
        object_type=object_type,
        object_id=str(object_id),
        actor={**dataclasses.asdict(actor), "role": actor.role.value},
        actor_label=actor.label,
        file_name=spooled.name[:255] if spooled else "",
        file_digest=spooled.digest if spooled else "",
        file_bytes=spooled.size if spooled else 0,
        spool_path=str(spooled.path) if spooled else "",
        created_at=timezone.now(),
    )


def job_actor(job: BackgroundJob) -> Actor:
    """Who started the job, with their scope, as the work runs on their behalf."""
    data = dict(job.actor)
    return Actor(**{**data, "role": Role(data["role"])})


def job_run(job_id: int, work: Work) -> BackgroundJob:
    """Claim the queued job and run ``work``; record its result, or why it was refused or
    failed. A job no longer queued (another worker took it) is answered as it is."""
    now = timezone.now()
    taken = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=now, host=HOST, pid=os.getpid()
    )
    job = BackgroundJob.objects.get(pk=job_id)
    if not taken:
        return job
    path = Path(job.spool_path) if job.spool_path else None
    keep = False
    try:
        result = dict(work(job, job_actor(job), path))
    except JobAwaits as awaits:
        keep = True
        _finish(job, BackgroundJob.Status.AWAITING, result=awaits.result, keep_file=True)
    except ApplicationError as error:
        _finish(job, BackgroundJob.Status.REFUSED, error=error)
    except Exception:
        _finish(job, BackgroundJob.Status.FAILED, code="internal_error")
        raise
    else:
        _finish(job, BackgroundJob.Status.SUCCEEDED, result=result)
    finally:
        if path is not None and not keep:
            spool_remove(path)
    return job


def job_progress(job: BackgroundJob, **values: Any) -> None:
    """Record how far the running ``job`` has got (its ``result`` while it runs), in a write
    of its own: a page polling the job sees it while the work goes on."""
    job.result = dict(values)
    BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.RUNNING).update(
        result=job.result
    )


def job_confirm(job: BackgroundJob, *, actor: Actor, params: Mapping[str, Any]) -> bool:
    """Queue again a job awaiting confirmation, ``params`` added to its own, to run on behalf
    of ``actor``, who confirmed it (the caller hands its task over). Whether it was awaiting:
    one confirmed or discarded meanwhile is left as it is. ``job`` is read again either way."""
    taken = BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.AWAITING).update(
        status=BackgroundJob.Status.QUEUED,
        params={**job.params, **params},
        actor={**dataclasses.asdict(actor), "role": actor.role.value},
        actor_label=actor.label,
        started_at=None,
        finished_at=None,
        host="",
        pid=None,
    )
    job.refresh_from_db()
    return bool(taken)


def job_discard(job: BackgroundJob, *, actor: Actor) -> bool:
    """End a job awaiting confirmation without going on, and remove its file. Whether it was
    awaiting (one confirmed or discarded meanwhile is left as it is); ``job`` is read again."""
    taken = BackgroundJob.objects.filter(pk=job.pk, status=BackgroundJob.Status.AWAITING).update(
        status=BackgroundJob.Status.DISCARDED,
        result={**job.result, "discarded_by": actor.label},
        spool_path="",
        finished_at=timezone.now(),
    )
    if taken:
        spool_remove(job.spool_path)
    job.refresh_from_db()
    return bool(taken)


def _finish(
    job: BackgroundJob,
    status: str,
    *,
    result: dict[str, Any] | None = None,
    error: ApplicationError | None = None,
    code: str = "",
    keep_file: bool = False,
) -> None:
    job.status = status
    job.result = result or (
        {"status": error.status, "details": _plain(error.details)} if error else {}
    )
    job.error_code = error.code if error else code
    job.error_message_zh = error.message_zh if error else ""
    job.error_message_en = error.message_en if error else ""
    job.finished_at = timezone.now()
    if not keep_file:
        job.spool_path = ""
    with contextlib.suppress(Exception):
        job.save()


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool | None)


def _plain(details: Mapping[str, Any]) -> dict[str, Any]:
    """The refusal's details that JSON holds (they locate it: row, column), with a list of
    located errors (``errors``: one flat mapping each) where the work found several."""
    plain = {k: v for k, v in details.items() if _scalar(v)}
    errors = details.get("errors")
    if isinstance(errors, list | tuple):
        plain["errors"] = [
            {k: v for k, v in e.items() if _scalar(v)} for e in errors if isinstance(e, Mapping)
        ]
    return plain


def job_refusal(job: BackgroundJob) -> ApplicationError | None:
    """The refusal a job recorded, as the error it was (a caller that ran it at once raises it
    as it would have been raised in the request)."""
    if job.status != BackgroundJob.Status.REFUSED:
        return None
    return ApplicationError(
        job.error_code,
        job.error_message_zh,
        job.error_message_en,
        dict(job.result.get("details") or {}),
        status=int(job.result.get("status") or 400),
    )


def jobs_recover(*, kind: str, queue: Callable[[int], None]) -> list[int]:
    """Queue again the jobs of ``kind`` a stopped or killed server left: those still queued,
    and those running in a process of this host that is gone. Answer their ids."""
    running = BackgroundJob.objects.filter(kind=kind, status=BackgroundJob.Status.RUNNING)
    dead = [
        pk
        for pk, host, pid in running.values_list("pk", "host", "pid")
        if host == HOST and pid is not None and pid != os.getpid() and not process_alive(pid)
    ]
    BackgroundJob.objects.filter(pk__in=dead, status=BackgroundJob.Status.RUNNING).update(
        status=BackgroundJob.Status.QUEUED
    )
    ids = list(
        BackgroundJob.objects.filter(kind=kind, status=BackgroundJob.Status.QUEUED).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        queue(pk)
    return ids


def job_latest(*, kind: str, object_type: str, object_id: int | str) -> BackgroundJob | None:
    """The newest job of ``kind`` on an object (a page shows it while it runs, then how it
    ended)."""
    return (
        BackgroundJob.objects.filter(
            Q(kind=kind) & Q(object_type=object_type) & Q(object_id=str(object_id))
        )
        .order_by("-pk")
        .first()
    )

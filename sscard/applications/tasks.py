"""Background work of the applications: a collective application's roster file, queued from
HR's page or the API. A Celery worker runs it when a broker is set; the embedded server runs
it in its own pool (``sscard.core.background``). Either way it is the same service function.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.applications.roster_upload", ignore_result=True, acks_late=True
)
def roster_upload_task(job_id: int) -> str:
    """Build the roster from the queued file (its job records how it ended)."""
    from sscard.applications.services.roster_jobs import roster_upload_job_run

    return str(roster_upload_job_run(job_id=job_id).status)

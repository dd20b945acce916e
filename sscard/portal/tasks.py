"""Background work of the portal: a bulk import queued from the upload page or the API.

A Celery worker runs it when a broker is set; the embedded server runs it in its own pool
(``sscard.core.background``). Either way it is the same service function.
"""

from __future__ import annotations

from celery import shared_task

from sscard.portal.services import import_job_run


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.portal.import_job", ignore_result=True, acks_late=True
)
def import_job_task(job_id: int) -> str:
    """Run the queued import; answer how it ended (its job records the rest)."""
    return str(import_job_run(job_id=job_id).status)

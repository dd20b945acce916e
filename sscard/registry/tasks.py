"""Background work of the registry: an update file of persons, previewed then applied."""

from __future__ import annotations

from celery import shared_task


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.registry.person_updates", ignore_result=True, acks_late=True
)
def person_updates_task(job_id: int) -> str:
    """Preview, or on confirmation apply, an update file queued from the page or the API."""
    from sscard.registry.updates import person_updates_job_run

    return str(person_updates_job_run(job_id=job_id).status)

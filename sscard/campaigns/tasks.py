"""Background work of campaigns: a round of reminders, sent off the request."""

from __future__ import annotations

from celery import shared_task


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.campaigns.outreach_round", ignore_result=True, acks_late=True
)
def outreach_round_task(job_id: int) -> str:
    """Send a round's reminders (its job's work); answer how the job ended."""
    from sscard.campaigns.services import outreach_round_job_run

    return str(outreach_round_job_run(job_id=job_id).status)

"""Background work of production: personalising a batch.

A Celery worker runs it in production (any number of them share one batch: each task takes
chunks until none is left); the embedded server runs it in its own pool of threads
(``sscard.core.background``), off the operator's request. Either way it is the same service
function.
"""

from __future__ import annotations

from celery import shared_task

from sscard.core import background
from sscard.production.services.personalise import batch_finish_personalisation, batch_personalise

# chosen: a task hands over to a fresh one after this long, so that one worker slot is not
# held by one batch for an hour while others wait.
TIME_BUDGET_SECONDS = 120.0


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.production.services.personalise", ignore_result=True, acks_late=True
)
def personalise(batch_id: int) -> int:
    """Personalise chunks of the batch; queue a successor if work is left when time is up
    (not when the server is stopping: the next one's start queues the batch again)."""
    done = batch_personalise(
        batch_id=batch_id, time_budget=TIME_BUDGET_SECONDS, stop=background.stopping
    )
    if done and not background.stopping() and not batch_finish_personalisation(batch_id=batch_id):
        background.submit(personalise, batch_id)
    return done


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.production.factory_result", ignore_result=True, acks_late=True
)
def factory_result_task(job_id: int) -> str:
    """Import a result file queued from the batch page or the API (its job records how)."""
    from sscard.production.services.result_jobs import factory_result_job_run

    return str(factory_result_job_run(job_id=job_id).status)

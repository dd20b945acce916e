"""Background work of production: personalising a batch.

A Celery worker runs it in production (any number of them share one batch: each task takes
chunks until none is left); the embedded set-up runs it in-process when it is queued. Either
way it is the same service function.
"""

from __future__ import annotations

from celery import shared_task

from sscard.production.services.personalise import batch_finish_personalisation, batch_personalise

# chosen: a task hands over to a fresh one after this long, so that one worker slot is not
# held by one batch for an hour while others wait.
TIME_BUDGET_SECONDS = 120.0


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.production.services.personalise", ignore_result=True, acks_late=True
)
def personalise(batch_id: int) -> int:
    """Personalise chunks of the batch; queue a successor if work is left when time is up."""
    done = batch_personalise(batch_id=batch_id, time_budget=TIME_BUDGET_SECONDS)
    if done and not batch_finish_personalisation(batch_id=batch_id):
        personalise.delay(batch_id)
    return done

"""Background work of the notifications: send what is due.

Run by a Celery worker in production (and by beat every minute, for retries that fall due), or
in-process when ``CELERY_TASK_ALWAYS_EAGER`` is on (the embedded default). Either way it is the
same service function.
"""

from __future__ import annotations

import time

from celery import shared_task

from sscard.notifications.services import outbox_send_due

BATCH = 500
# chosen: a task hands over to a fresh one after this long, so one worker slot is not held
# for the whole of a large backlog.
TIME_BUDGET_SECONDS = 60.0


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.notifications.send_due", ignore_result=True
)
def send_due() -> int:
    """Send due messages batch by batch; answer how many were sent."""
    started = time.monotonic()
    sent = 0
    while True:
        summary = outbox_send_due(limit=BATCH)
        sent += len(summary.sent)
        if summary.picked < BATCH:
            return sent
        if time.monotonic() - started > TIME_BUDGET_SECONDS:
            send_due.delay()
            return sent

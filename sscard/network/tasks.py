"""Background work of the network: the reminder of tomorrow's booked visits.

Run by Celery beat hourly in the daytime in production (``booking-reminders`` in the
settings), or by the ``booking_reminders_send`` command from cron in the embedded set-up. A
booking is reminded once, so each run only picks up the bookings made since the last one.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from sscard.core.clock import today
from sscard.network.booking_services import booking_reminders_send


@shared_task(  # type: ignore[untyped-decorator]  # celery ships no type hints
    name="sscard.network.booking_reminders", ignore_result=True
)
def booking_reminders() -> int:
    """Remind the holders of tomorrow's bookings; answer how many texts were queued."""
    return booking_reminders_send(day=today() + timedelta(days=1)).queued

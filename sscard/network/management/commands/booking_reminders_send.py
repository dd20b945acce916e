"""Queue the reminders of a day's booked visits (by default tomorrow's), in this process: for
cron in the embedded set-up, where no Celery beat runs. Safe to repeat: a booking is reminded
once."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.core.clock import today
from sscard.core.errors import ApplicationError
from sscard.network.booking_services import booking_reminders_send


class Command(BaseCommand):
    help = "Queue one reminder text per booking of a day (default: tomorrow), never twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", type=date.fromisoformat, default=None, help="the booked day, YYYY-MM-DD"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day: date = options["day"] or today() + timedelta(days=1)
        try:
            summary = booking_reminders_send(day=day)
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.message_en}") from error
        self.stdout.write(
            f"{day.isoformat()}: reminded {summary.reminded}, texts queued {summary.queued}, "
            f"no phone {summary.no_phone}, no template {summary.no_template}"
        )

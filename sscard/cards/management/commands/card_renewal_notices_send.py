"""Tell the holders whose cards run out within their pack's notice period, in this process:
for cron in the embedded set-up, where no Celery beat runs. Safe to repeat: a holder is told
once per card and term."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.cards.services.expiry import SWEEP_ACTOR, card_renewal_notices_send
from sscard.core.clock import today
from sscard.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Text each holder whose card runs out within the notice period, never twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--day", type=date.fromisoformat, default=None, help="today, YYYY-MM-DD"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        day: date = options["day"] or today()
        try:
            summary = card_renewal_notices_send(actor=SWEEP_ACTOR, today=day)
        except ApplicationError as error:
            raise CommandError(f"{error.code}: {error.message_en}") from error
        self.stdout.write(
            f"{day.isoformat()}: cards {summary.cards}, texts queued {summary.queued}, "
            f"no phone {summary.no_phone}, no template {summary.no_template}"
        )

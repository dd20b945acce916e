"""Send the SMS that are due now, in this process (for cron, or after a worker outage)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sscard.notifications.services import outbox_send_due


class Command(BaseCommand):
    help = "Send the SMS in the outbox that are due, batch by batch, until none is left."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="messages per batch")

    def handle(self, *args: Any, **options: Any) -> None:
        batch: int = options["batch"]
        totals = {"sent": 0, "retrying": 0, "failed": 0}
        while True:
            summary = outbox_send_due(limit=batch)
            totals["sent"] += len(summary.sent)
            totals["retrying"] += len(summary.retrying)
            totals["failed"] += len(summary.failed)
            if summary.picked < batch or summary.released:
                break
        self.stdout.write(
            f"sent {totals['sent']}, to retry {totals['retrying']}, failed {totals['failed']}"
        )

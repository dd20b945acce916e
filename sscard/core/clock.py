"""Today, as the bureau counts it: one helper instead of a private copy in each view and API.

Dates of record (an application's day, a due date, a batch's day) are the bureau's local date in
``TIME_ZONE`` (Asia/Shanghai), not the server's nor UTC's: a request at 07:30 Beijing time is
already that day, though it is still yesterday in UTC.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

__all__ = ["today"]


def today() -> date:
    """The local date in the project's time zone (``timezone.localdate()``)."""
    return timezone.localdate()

"""The replay's clock: every service sees the simulated day as today.

Services take "now" from ``django.utils.timezone.now`` and "today" from
``sscard.core.clock.today`` (``timezone.localdate``, which reads ``now``), so the replay sets
``now`` as the tests pin ``localdate``: for the whole of a simulated day it answers that day,
from its opening hour on, advancing with the real time spent on the day (so that events keep
their order) and never past its closing hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.utils import timezone

OPENS = timedelta(hours=9)
CLOSES = timedelta(hours=17, minutes=30)


class SimulatedClock:
    """The day the replay is living; ``now`` is a moment of it (in the project's time zone)."""

    def __init__(self, day: date) -> None:
        self._day = day
        self._started = time.monotonic()

    @property
    def day(self) -> date:
        return self._day

    def move_to(self, day: date) -> None:
        """Begin ``day``: its clock starts at the opening hour."""
        self._day = day
        self._started = time.monotonic()

    def now(self) -> datetime:
        elapsed = timedelta(seconds=time.monotonic() - self._started)
        opening = datetime.combine(self._day, datetime.min.time()) + OPENS
        moment = opening + min(elapsed, CLOSES - OPENS)
        return timezone.make_aware(moment, timezone.get_default_timezone())

    def at(self, hour: int, minute: int = 0) -> datetime:
        """A given time of the simulated day (the post reports when it delivered)."""
        moment = datetime.combine(self._day, datetime.min.time()) + timedelta(
            hours=hour, minutes=minute
        )
        return timezone.make_aware(moment, timezone.get_default_timezone())


def clock_install(clock: SimulatedClock) -> Callable[[], None]:
    """From now on ``timezone.now`` (and so ``timezone.localdate`` and
    ``sscard.core.clock.today``) answer the simulated clock; answers what puts the real one
    back."""
    real: Callable[[], datetime] = timezone.now

    def restore() -> None:
        timezone.now = real

    timezone.now = clock.now
    return restore


@contextmanager
def simulated_time(clock: SimulatedClock) -> Iterator[SimulatedClock]:
    """Within the block, the services' time is the simulated clock's; the real one after."""
    restore = clock_install(clock)
    try:
        yield clock
    finally:
        restore()

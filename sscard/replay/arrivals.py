"""Who comes when: per-day arrival rates, and the draws from them.

A stream of arrivals (retirees at the counters, parents online, employers' staff) has an
expected total over the replay, the days it takes place on (the official working days, or every
day for a service online), a weight per day of the week, and a build-up: interest grows as
word spreads and more outlets join, modelled as exponential growth at ``growth`` per month.
Its rate on a day is its total shared out in proportion to ``weekday weight × e^(growth ×
months since the start)``. Each day's arrivals are a Poisson draw around that rate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sscard.kernel.workdays import WorkCalendar

#: Days per month, for the build-up (a mean Gregorian month).
MONTH_DAYS = 30.436875


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of arrival and its rate (at scale 1)."""

    key: str
    total: float
    #: Mon..Sun; a zero weight closes the day (as does a rest day for ``working_days_only``).
    weekday_weights: tuple[float, float, float, float, float, float, float]
    working_days_only: bool


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def stream_days(stream: Stream, days: Iterable[date], calendar: WorkCalendar) -> list[date]:
    """The days the stream takes place on."""
    return [
        d
        for d in days
        if stream.weekday_weights[d.weekday()] > 0
        and (not stream.working_days_only or calendar.is_working_day(d))
    ]


def rates(
    stream: Stream, days: list[date], *, growth: float, scale: float, start: date
) -> dict[date, float]:
    """The stream's expected arrivals on each of ``days`` (its own days), totalling
    ``stream.total × scale``."""
    weights = {
        d: stream.weekday_weights[d.weekday()] * math.exp(growth * (d - start).days / MONTH_DAYS)
        for d in days
    }
    whole = sum(weights.values())
    if whole <= 0:
        return dict.fromkeys(days, 0.0)
    return {d: stream.total * scale * w / whole for d, w in weights.items()}


def growth_for_share(
    share_of: Callable[[float], float], share: float, *, low: float = -2.0, high: float = 4.0
) -> float:
    """The growth at which ``share_of(growth)`` — a share that falls as growth rises, such as
    the share of applications whose card is made by the report day — equals ``share``
    (bisection; ``ValueError`` when no growth in ``[low, high]`` gives it)."""
    if not share_of(high) <= share <= share_of(low):
        raise ValueError(f"no build-up between {low} and {high} per month gives {share:.4f}")
    for _ in range(80):
        middle = (low + high) / 2
        if share_of(middle) > share:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw: exact (Knuth) for small rates, the normal approximation above 50."""
    if rate <= 0:
        return 0
    if rate < 50:
        limit = math.exp(-rate)
        k, product = 0, rng.random()
        while product > limit:
            k += 1
            product *= rng.random()
        return k
    return max(0, round(rng.gauss(rate, math.sqrt(rate))))

"""The geometry of a pack's phases on a time axis, for the bureau's timeline picture (SVG)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sscard.policy import Pack

WIDTH = 960
LEFT = 30
RIGHT = 24
TOP = 50
LANE = 46
BAR = 18


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    clause: str
    starts: date
    ends: date | None
    x: float
    y: float
    width: float
    open_ended: bool
    in_force: bool


@dataclass(frozen=True, slots=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True, slots=True)
class Timeline:
    width: int
    height: int
    left: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    today_x: float | None
    today: date


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def timeline(pack: Pack, *, today: date, english: bool) -> Timeline:
    """Lay the pack's phases out as bars, one lane each, with month ticks and today's line."""
    phases = pack.phases
    first = min(p.starts for p in phases)
    last = max([p.ends or p.starts + timedelta(days=180) for p in phases] + [first])
    if first <= today <= last + timedelta(days=400):
        last = max(last, today)
    start = _month_start(first)
    stop = _next_month(last)
    span = max((stop - start).days, 1)
    scale = (WIDTH - LEFT - RIGHT) / span

    def x_of(day: date) -> float:
        return LEFT + (min(max(day, start), stop) - start).days * scale

    bars = []
    for lane, phase in enumerate(phases):
        ends = phase.ends
        x = x_of(phase.starts)
        end_x = x_of(ends + timedelta(days=1)) if ends else WIDTH - RIGHT
        bars.append(
            Bar(
                label=phase.title_en if english else phase.title_zh,
                clause=phase.clause or "",
                starts=phase.starts,
                ends=ends,
                x=round(x, 1),
                y=TOP + lane * LANE,
                width=round(max(end_x - x, 3.0), 1),
                open_ended=ends is None,
                in_force=phase.starts <= today and (ends is None or today <= ends),
            )
        )
    months = []
    month = start
    while month < stop:
        months.append(month)
        month = _next_month(month)
    step = max(1, len(months) // 12)
    ticks = tuple(
        Tick(round(x_of(m), 1), m.strftime("%Y-%m")) for i, m in enumerate(months) if i % step == 0
    )
    today_x = round(x_of(today), 1) if start <= today <= stop else None
    return Timeline(
        width=WIDTH,
        height=TOP + len(phases) * LANE + 6,
        left=LEFT,
        bars=tuple(bars),
        ticks=ticks,
        today_x=today_x,
        today=today,
    )

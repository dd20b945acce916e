"""Where a pool process of the replay starts (``hands.Hands``): Django is set up before any of
sscard's models is imported, so nothing here imports them at the top."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sscard.replay.hands import Outcome, Work


def start() -> None:
    import django

    django.setup()
    from sscard.replay.hands import process_started

    process_started()


def work(day: date, works: Sequence[Work]) -> list[Outcome]:
    from sscard.replay.hands import work_in_process

    return work_in_process(day, works)

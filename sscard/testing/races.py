"""Races on real database connections, for the PostgreSQL tests that two requests at the same
moment must not break.

:func:`race` runs each callable on a thread of its own, all released together from a barrier,
each thread with its own database connection (Django opens one per thread, and the thread
closes it when done so the test database can be dropped afterwards).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Mapping
from typing import TypeVar

from django.db import connections

from sscard.core.errors import ApplicationError

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def race(calls: Mapping[K, Callable[[], T]], *, timeout: float = 60) -> dict[K, T | str]:
    """Run every call of ``calls`` at the same moment, each on its own thread and connection;
    how each ended, by the same key.

    A call's outcome is what it returned, or the code (a ``str``) of the
    :class:`~sscard.core.errors.ApplicationError` that refused it. The threads wait for each
    other at a barrier (at most ``timeout`` seconds) and each is joined for at most ``timeout``
    seconds; the race fails (``AssertionError``) if any is still running then, and any other
    exception raised by a call is raised again here once every thread has ended.
    """
    start = threading.Barrier(len(calls))
    outcomes: dict[K, T | str] = {}
    failures: list[BaseException] = []

    def run(key: K, call: Callable[[], T]) -> None:
        try:
            start.wait(timeout)
            outcomes[key] = call()
        except ApplicationError as exc:
            outcomes[key] = exc.code
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a racer is still running"
    if failures:
        raise failures[0]
    return outcomes

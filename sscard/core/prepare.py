"""Row preparation that can run in worker processes, pipelined against the database writes.

A bulk import spends most of its time on pure per-row work (parsing, validation, SM4
encryption, SM3 indexes). That work needs no database, so chunks are handed to a pool of
worker processes while the parent writes the chunks already prepared. This module imports
no Django: workers are started with ``spawn`` (a forked child would share the parent's
database socket) and load only the kernel and the preparer's own module.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

Rows = list[tuple[int, list[str]]]
Preparer = Callable[[Any, Rows], Any]


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was refused; names the column, never the value."""

    row: int
    column: str
    code: str
    message_zh: str
    message_en: str


@dataclass(frozen=True, slots=True)
class RowRefused:
    """Every error of one refused row: the report lists each, the row counts once."""

    row: int
    errors: tuple[RowError, ...]


_STATE: dict[str, Any] = {}


def _resolve(path: str) -> Preparer:
    module, _, name = path.rpartition(".")
    function: Preparer = getattr(importlib.import_module(module), name)
    return function


PR_SET_PDEATHSIG = 1
PARENT_POLL_SECONDS = 0.5


def _die_with_parent(parent: int) -> None:
    """End this worker when the import that started it dies, even by SIGKILL.

    On Linux the kernel sends SIGKILL on the parent's death (``PR_SET_PDEATHSIG``); a thread
    also polls ``os.getppid()``, which covers other systems and the parent dying before the
    ``prctl`` call.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(preparer: str, state: Any, parent: int) -> None:
    _die_with_parent(parent)
    _STATE["preparer"] = _resolve(preparer)
    _STATE["state"] = state


def _prepare_in_worker(rows: Rows) -> Any:
    return _STATE["preparer"](_STATE["state"], rows)


def prepared_chunks(
    *, preparer: str, state: Any, chunks: Iterable[Rows], workers: int
) -> Iterator[tuple[Rows, Any]]:
    """Yield ``(rows, preparer(state, rows))`` for each chunk, in order.

    With ``workers`` > 0 the preparation runs in that many processes, at most ``workers + 1``
    chunks ahead of the consumer so memory stays bounded; with 0 it runs inline.
    """
    if workers <= 0:
        function = _resolve(preparer)
        for rows in chunks:
            yield rows, function(state, rows)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(preparer, state, os.getpid()),
    ) as pool:
        pending: deque[tuple[Rows, Future[Any]]] = deque()
        try:
            for rows in chunks:
                pending.append((rows, pool.submit(_prepare_in_worker, rows)))
                if len(pending) > workers + 1:
                    done_rows, future = pending.popleft()
                    yield done_rows, future.result()
            while pending:
                done_rows, future = pending.popleft()
                yield done_rows, future.result()
        finally:
            for _rows, future in pending:
                future.cancel()

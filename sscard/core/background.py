"""Work taken off the request: Celery with a broker, a managed pool of threads without one.

A page that starts long work (an import, a batch's personalisation) answers at once; the work
runs elsewhere and the page polls its record. Where it runs:

* **Celery**, when a broker takes tasks (``SSCARD_BROKER_URL`` set, ``SSCARD_TASKS_EAGER``
  not 1): ``task.delay`` hands it to the workers.
* **The server's own pool** in the embedded set-up (no broker): a few threads inside the
  server process (``SSCARD_BACKGROUND_THREADS``), started on the first task. Only a process
  that said it is a server (:func:`serve`, called by ``config/asgi.py``) has one: a command
  line or script that queues work runs it at once instead, as it did before, because it may
  exit the moment it is done with its own part.
* **At once, in the caller**, everywhere else (``SSCARD_BACKGROUND = "inline"``: the tests,
  which need the result; or a command line).

Work is queued when the caller's transaction commits (at once outside one), so a worker never
looks for a record that is not there yet. Each piece runs with database connections of its
own, closed when it ends. When the server stops, the pool takes no more work, tells running
work to stop at its next safe point (:func:`stopping`: an import stops between chunks, a
personalisation between cards' chunks) and waits ``SSCARD_BACKGROUND_GRACE_SECONDS`` for it.
What was queued and not begun, or stopped, is picked up by the next server through the hooks
registered with :func:`on_startup` (an import resumes after its last committed chunk).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections, transaction

logger = logging.getLogger(__name__)

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[..., Awaitable[None]]


# A Celery task (``@shared_task``: called, it runs here; ``delay`` queues it), or a plain
# function, which only this process's pool or the caller runs.
Task = Callable[..., Any]


_serving = threading.Event()
_stopping = threading.Event()
_hooks: list[Callable[[], object]] = []


class _Pool:
    """A bounded set of daemon threads taking work from one queue.

    Daemon threads: a stopped server must not wait, at exit, for work that did not reach a safe
    point within the grace period (what it leaves is found again by the startup hooks).
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[tuple[Task, tuple[Any, ...]] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.unfinished = 0  # queued or running

    def put(self, task: Task, args: tuple[Any, ...]) -> None:
        with self._lock:
            wanted = max(1, int(settings.SSCARD_BACKGROUND_THREADS))
            self._threads = [t for t in self._threads if t.is_alive()]
            while len(self._threads) < wanted:
                thread = threading.Thread(
                    target=self._work, name=f"sscard-background-{len(self._threads) + 1}"
                )
                thread.daemon = True
                thread.start()
                self._threads.append(thread)
            self.unfinished += 1
        self._queue.put((task, args))

    def _work(self) -> None:
        while not _stopping.is_set():
            item = self._queue.get()
            if item is None:
                return
            try:
                if not _stopping.is_set():
                    _run_here(*item)
            finally:
                with self._lock:
                    self.unfinished -= 1

    def stop(self, grace: float) -> bool:
        """Wake every thread to end; wait up to ``grace`` seconds; whether all ended. Work
        still queued is dropped: the startup hooks of the next server find it."""
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put(None)
        deadline = time.monotonic() + grace
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        ended = not any(t.is_alive() for t in threads)
        if ended:
            with self._lock:
                while not self._queue.empty():
                    if self._queue.get_nowait() is not None:
                        self.unfinished -= 1
                self._threads = []
        return ended


_pool = _Pool()


def _run_here(task: Task, args: tuple[Any, ...]) -> None:
    """Run one piece of work in this thread with connections of its own, closed after."""
    close_old_connections()
    try:
        task(*args)
    except Exception:
        logger.exception("background task %s%r failed", getattr(task, "name", task), args)
    finally:
        connections.close_all()


def _pool_takes(task: Task) -> bool:
    """Whether this process's pool runs the task (rather than Celery, or the caller)."""
    app = getattr(task, "app", None)
    if app is not None and not app.conf.task_always_eager:
        return False  # a broker's workers take it
    return settings.SSCARD_BACKGROUND == "thread" and _serving.is_set()


def _elsewhere(task: Task, args: tuple[Any, ...]) -> None:
    """Hand the task to Celery (its workers, or at once here when eager), or run it here."""
    delay = getattr(task, "delay", None)
    if delay is not None:
        delay(*args)
    else:
        task(*args)


def _dispatch(task: Task, args: tuple[Any, ...]) -> None:
    if not _pool_takes(task):
        _elsewhere(task, args)
    elif _stopping.is_set():
        # The server is stopping: the work stays recorded as queued; the next server's
        # startup hooks find it.
        logger.info("server stopping: %s%r left for the next start", task, args)
    else:
        _pool.put(task, args)


def submit(task: Task, *args: Any) -> None:
    """Queue ``task(*args)`` to run off the request once the caller's transaction commits.

    Where nothing runs work elsewhere (the tests, a command line) it runs at once, in the
    caller, as Celery's eager mode does: the caller then sees its result.
    """
    app = getattr(task, "app", None)
    eager = app is None or bool(app.conf.task_always_eager)
    if eager and not _pool_takes(task):
        _elsewhere(task, args)
        return
    transaction.on_commit(partial(_dispatch, task, args), robust=True)


def serve() -> None:
    """Say this process is a long-lived server: its pool may run work (``config/asgi.py``)."""
    _stopping.clear()
    _serving.set()


def serving() -> bool:
    return _serving.is_set() and settings.SSCARD_BACKGROUND == "thread"


def stopping() -> bool:
    """Whether running work should stop at its next safe point (the server is stopping)."""
    return _stopping.is_set()


def on_startup(hook: Callable[[], object]) -> None:
    """Register what a starting server runs in its pool to pick up work a previous server
    left (queued, or stopped half-way). Each hook runs once per start, in the pool."""
    if hook not in _hooks:
        _hooks.append(hook)


def startup() -> None:
    """Run the startup hooks in the pool (nothing in a process without one)."""
    if not serving():
        return
    for hook in _hooks:
        _pool.put(hook, ())


def shutdown(grace: float | None = None) -> bool:
    """Take no more work, ask running work to stop, wait ``grace`` seconds; whether every
    thread of the pool ended."""
    _stopping.set()
    wait = float(settings.SSCARD_BACKGROUND_GRACE_SECONDS if grace is None else grace)
    ended = _pool.stop(wait)
    if not ended:
        logger.warning("background work still running after %.0f s; the next start resumes", wait)
    return ended


def busy() -> int:
    """How many tasks the pool runs now or holds for a thread."""
    return _pool.unfinished


def wait_idle(timeout: float) -> bool:
    """Wait until the pool runs and holds no work (or ``timeout`` seconds); whether it does
    not (for tests and benchmarks, which read results the pool wrote)."""
    deadline = time.monotonic() + timeout
    while busy():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def reset() -> None:
    """Forget that this process served and stopped (a test that played the server)."""
    _serving.clear()
    _stopping.clear()


class WithLifespan:
    """An ASGI application with the pool's start and stop tied to the server's lifespan.

    ``app`` is the application it fronts; ``inner_lifespan`` says whether ``app`` takes
    lifespan events itself (they are passed on; Django's own application does not).
    """

    def __init__(self, app: ASGIApp, *, inner_lifespan: bool) -> None:
        self.app = app
        self.inner_lifespan = inner_lifespan

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watched() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await asyncio.to_thread(startup)
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(shutdown)
            return message

        if self.inner_lifespan:
            await self.app(scope, watched, send)
            return
        while True:
            message = await watched()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

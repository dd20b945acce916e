"""Real Celery workers in child processes, for the tests and benchmarks that need them.

Each worker is ``uv run celery -A config worker --pool solo`` on a queue of the caller's own,
in a process group of its own (``uv run`` starts the Python process as its child, so the
group is what gets signalled), with its log in a file. The queueing side is the project's
Celery app, pointed at the same broker and queue for as long as :func:`project_celery` lasts.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from celery import Celery

from config.celery import app as project_app

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """``SSCARD_DATABASE_URL`` for a Django PostgreSQL connection's settings."""
    user = quote(str(settings_dict.get("USER") or ""))
    password = settings_dict.get("PASSWORD")
    auth = f"{user}:{quote(str(password))}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{settings_dict['NAME']}"


def worker_env(*, database: str, broker: str, **extra: str) -> dict[str, str]:
    """The environment of a worker for this process: the keys and the data directory of
    its settings, the given database and broker, tasks really queued (not run eagerly)."""
    env = dict(os.environ)
    for name in ("PYTEST_CURRENT_TEST", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_TESTRUNUID"):
        env.pop(name, None)
    from django.conf import settings

    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SSCARD_DATABASE_URL=database,
        SSCARD_BROKER_URL=broker,
        SSCARD_TASKS_EAGER="0",
        SSCARD_FIELD_KEY=settings.SSCARD_FIELD_KEY,
        SSCARD_SECRET_KEY=settings.SECRET_KEY,
        SSCARD_FACTORY_KEY=settings.SSCARD_FACTORY_KEY,
        SSCARD_DATA_DIR=str(settings.DATA_DIR),
        **extra,
    )
    return env


class CeleryWorker:
    """One worker process (``--pool solo``: it runs one task at a time, in itself)."""

    def __init__(self, *, name: str, queue: str, env: Mapping[str, str], log: Path) -> None:
        self.name = name
        self.queue = queue
        self.env = dict(env)
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        uv = self.env.get("UV") or shutil.which("uv")
        # --no-sync: the worker runs in exactly the environment of the process that starts it.
        runner = [uv, "run", "--no-sync"] if uv else [sys.executable, "-m"]
        return [
            *runner,
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--concurrency",
            "1",
            "-Q",
            self.queue,
            "-n",
            f"{self.name}@%h",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ]

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                self.command(),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def ready(self) -> bool:
        """Consuming from its queue (Celery logs ``<name>@<host> ready.`` then)."""
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"worker {self.name} exited:\n{self.text()[-3000:]}")
        return any(
            line.rstrip().endswith("ready.") and f"{self.name}@" in line
            for line in self.text().splitlines()
        )

    def signal(self, signum: int) -> None:
        """Signal the worker's process group (uv and the Python process under it; the group
        outlives uv if uv goes first, and its id is not reused while any member lives)."""
        if self.process is not None:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=30)


@contextmanager
def celery_workers(
    count: int,
    *,
    queue: str,
    env: Mapping[str, str],
    log_dir: Path,
    ready_timeout: float = 60,
) -> Iterator[list[CeleryWorker]]:
    """``count`` workers consuming ``queue``, all ready on entry; stopped on exit."""
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = [
        CeleryWorker(name=f"w{n}-{queue}", queue=queue, env=env, log=log_dir / f"worker{n}.log")
        for n in range(1, count + 1)
    ]
    try:
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + ready_timeout
        while not all(worker.ready() for worker in workers):
            if time.monotonic() > deadline:
                logs = "\n".join(w.text()[-2000:] for w in workers)
                raise TimeoutError(f"the workers did not get ready:\n{logs}")
            time.sleep(0.1)
        yield workers
    finally:
        stop_all(workers)


def stop_all(workers: Sequence[CeleryWorker], *, grace: float = 2) -> None:
    """Warm shutdown of every worker at once, SIGKILL for those still there after ``grace``
    seconds (an idle solo worker on RabbitMQ takes some ten seconds to notice a signal; what
    it was given is finished or, acknowledged late, back on the queue)."""
    for worker in workers:
        worker.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for worker in workers:
        if worker.process is None:
            continue
        try:
            worker.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.kill()


def _reset_connections(app: Celery) -> None:
    """Forget the broker connection pool and the routing the app has set up so far, so that
    they are made again from its configuration. (The pools themselves stay open: kombu keeps
    them for every app on the same broker.)"""
    app._pool = None
    app.__dict__.pop("amqp", None)


@contextmanager
def project_celery(*, broker: str, queue: str) -> Iterator[Celery]:
    """The project's Celery app sends tasks to ``queue`` on ``broker`` (not eagerly) inside
    the block, and is as it was afterwards."""
    names = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {name: project_app.conf[name] for name in names}
    _reset_connections(project_app)
    project_app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
    try:
        yield project_app
    finally:
        _reset_connections(project_app)
        project_app.conf.update(saved)


def queue_delete(*, broker: str, queue: str) -> None:
    """Drop what the broker keeps for ``queue`` (its messages, and on RabbitMQ the queue and
    its exchange)."""
    if broker.startswith("redis"):
        import redis

        client = redis.Redis.from_url(broker)
        try:
            for key in client.scan_iter(f"*{queue}*"):
                client.delete(key)
        finally:
            client.close()
        return
    from kombu.connection import Connection

    with Connection(broker) as conn:  # type: ignore[no-untyped-call]  # kombu has no hints
        channel = conn.default_channel
        with suppress(Exception):
            channel.queue_delete(queue)
        with suppress(Exception):
            conn.default_channel.exchange_delete(queue)

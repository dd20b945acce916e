"""Child processes the killed-worker tests start, watch and SIGKILL while they hold a
transaction open (``tests/test_personalise_killed.py``, ``tests/test_mass_action_killed.py``).

A child is ``python -m <module> <command> …`` (``sscard.testing.personalise_child``,
``sscard.testing.mass_child``): it prints one JSON line per answer, flushed. It runs against
a real database of its own, made by :func:`child_database`: a SQLite file in the data
directory, or a fresh PostgreSQL database beside the suite's when the suite runs on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def child_database(data_dir: Path, *, prefix: str, **settings: str) -> Iterator[dict[str, str]]:
    """The environment of children on a migrated database of their own, with ``settings``
    added (no broker: their tasks run in-process); a PostgreSQL database named ``prefix…`` is
    dropped on exit."""
    env = dict(os.environ)
    for name in ("SSCARD_BROKER_URL", "SSCARD_TASKS_EAGER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base", SSCARD_DATA_DIR=str(data_dir), **settings
    )
    url = os.environ.get("SSCARD_DATABASE_URL", "")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["SSCARD_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env.pop("SSCARD_DATABASE_URL", None)
    migrate = subprocess.run(
        [sys.executable, "-m", "sscard.cli", "manage", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr
    yield env
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def child_command(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def child_run(module: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one command of the child to its end; answer the last line it printed."""
    done = subprocess.run(  # noqa: S603 - our own command line
        child_command(module, *args),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_start(module: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start one command of the child, its output to be read with :func:`child_next_line`."""
    return subprocess.Popen(  # noqa: S603 - our own command line
        child_command(module, *args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def child_next_line(child: subprocess.Popen[str], *, timeout: float = 120) -> dict[str, Any]:
    """The next JSON line the child prints (it flushes each one)."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, "the child said nothing in time"
    line = child.stdout.readline()
    assert line, f"the child ended (exit code {child.wait()})"
    result: dict[str, Any] = json.loads(line)
    return result


def child_kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL the child if it still runs, and wait for it to be gone."""
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)

"""A worker killed in the middle of applying an approved mass action leaves no card half-done,
and a resume (what a starting server runs) finishes it with every card changed and audited
exactly once.

Runs the mass action in child processes (``python -m sscard.testing.mass_child``) against a
real database — a SQLite file, or a fresh PostgreSQL database when the suite runs on
PostgreSQL — and kills the one applying it with SIGKILL while it holds a chunk's transaction
open: the chunk's cards cancelled and audited, not committed. Copies the approach of
``tests/test_personalise_killed.py``.
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
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.database, pytest.mark.timeout(300)]

CARDS = 60
CHUNK = 10


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    for name in ("SSCARD_BROKER_URL", "SSCARD_TASKS_EAGER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)  # no broker: the job runs its task in-process
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SSCARD_DATA_DIR=str(tmp_path / "data"),
        SSCARD_MASS_CHUNK=str(CHUNK),
    )
    url = os.environ.get("SSCARD_DATABASE_URL", "")
    name = f"sscard_mkill_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "sscard.testing.mass_child", *args]


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        _command(*args), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_worker_killed_mid_chunk_leaves_no_card_half_done_and_a_resume_finishes(
    database: dict[str, str],
) -> None:
    env = database
    action = str(_run(env, "setup", "--cards", str(CARDS))["action"])
    # given the approving officer's process applying the action, holding its third chunk:
    # the chunk's cards cancelled and audited, not committed
    child = subprocess.Popen(
        _command("approve", "--action", action, "--hold-chunk", "3"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 120)
        assert ready, "the child said nothing in time"
        holding = json.loads(child.stdout.readline())
        assert holding["holding"] == CHUNK
        # when it is killed there
    finally:
        if child.poll() is None:
            os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)

    # then the two committed chunks are whole and the third left no trace
    state = _run(env, "state", "--action", action)
    assert state["counts"] == {"done": 2 * CHUNK, "skipped": 0, "refused": 0, "pending": 40}
    assert state["cancelled"] == state["audited"] == 2 * CHUNK
    assert state["cancelled_not_done"] == state["done_not_cancelled"] == 0
    assert state["audited_twice"] == state["audited_not_done"] == 0
    assert state["state"] == "applying"
    assert state["jobs"] == ["running"]
    # and the resume a starting server runs finishes it, every card once
    assert len(_run(env, "resume")["jobs"]) == 1
    state = _run(env, "state", "--action", action)
    assert state["counts"] == {"done": CARDS, "skipped": 0, "refused": 0, "pending": 0}
    assert state["cancelled"] == state["audited"] == CARDS
    assert state["audited_twice"] == state["audited_not_done"] == 0
    assert state["audit_chain_ok"] is True
    assert state["state"] == "applied"
    assert state["jobs"] == ["succeeded"]

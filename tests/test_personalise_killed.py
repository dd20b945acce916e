"""A worker killed in the middle of personalising leaves no card half-done, and the batch is
finished by a resume, or by the other worker, with every card personalised exactly once.

Runs personalisation in child processes (``python -m sscard.testing.personalise_child``)
against a real database — a SQLite file, or a fresh PostgreSQL database when the suite runs
on PostgreSQL — and kills them with SIGKILL while they hold a chunk's transaction open: its
certificates, keys, stage changes (and audit event) written, not committed.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# the workers run on the suite's database (a fresh one of its kind)
pytestmark = [pytest.mark.slow, pytest.mark.database, pytest.mark.timeout(300)]

CARDS = 300
CHUNK = 20


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    for name in ("SSCARD_BROKER_URL", "SSCARD_TASKS_EAGER", "PYTEST_CURRENT_TEST"):
        env.pop(name, None)  # no broker: a resume runs its tasks in-process
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SSCARD_DATA_DIR=str(tmp_path / "data"),
        SSCARD_PERSONALISE_CHUNK=str(CHUNK),
    )
    url = os.environ.get("SSCARD_DATABASE_URL", "")
    name = f"sscard_pkill_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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
    return [sys.executable, "-m", "sscard.testing.personalise_child", *args]


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    """Run one command of the helper to its end; answer what it printed."""
    done = subprocess.run(
        _command(*args), env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _command(*args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _next_line(child: subprocess.Popen[str], *, timeout: float = 120) -> dict[str, Any]:
    """The next JSON line the child prints (it flushes each one)."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, "the child said nothing in time"
    line = child.stdout.readline()
    assert line, f"the child ended (exit code {child.wait()})"
    result: dict[str, Any] = json.loads(line)
    return result


def _kill(child: subprocess.Popen[str]) -> None:
    if child.poll() is None:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)


def _count(env: dict[str, str], sql: str) -> int:
    import psycopg

    with psycopg.connect(env["SSCARD_DATABASE_URL"], autocommit=True) as conn:
        row = conn.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def _assert_nothing_half_done(state: dict[str, Any]) -> None:
    assert state["personalised_without_certificate"] == 0
    assert state["personalised_without_key"] == 0
    assert state["ordered_with_certificate"] == 0
    assert state["ordered_with_key"] == 0
    assert state["certificates_of_other_stages"] == 0
    assert state["duplicate_serials"] == 0
    assert state["duplicate_card_numbers"] == 0
    assert state["audited_twice"] == 0
    assert state["audited_not_personalised"] == 0
    assert state["personalised_not_audited"] == 0
    assert state["audit_chain_ok"] is True


def _assert_done_once(state: dict[str, Any]) -> None:
    _assert_nothing_half_done(state)
    assert state["status"] == "personalised"
    assert state["stages"] == {"personalised": CARDS}
    assert state["certificates"] == state["keys"] == state["audited_cards"] == CARDS
    assert state["certificate_problems"] == {}
    assert state["certificates_verified"] == CARDS


def test_a_worker_killed_mid_chunk_leaves_no_card_half_done_and_a_resume_finishes(
    database: dict[str, str],
) -> None:
    env = database
    batch = str(_run(env, "setup", "--cards", str(CARDS))["batch"])
    # given a worker that has committed three chunks and has written all of the fourth —
    # certificates, keys, stage changes, audit event — but not committed it
    child = _start(
        env, "work", "--batch", batch, "--chunk", str(CHUNK), "--hold-at", "audit",
        "--hold-chunk", "4",
    )  # fmt: skip
    try:
        holding = _next_line(child)
        assert holding["written"] == {"certificates": CHUNK, "keys": CHUNK, "personalised": CHUNK}
        # when it is killed there
    finally:
        _kill(child)

    # then the three committed chunks are whole and the fourth left no trace
    state = _run(env, "state", "--batch", batch)
    _assert_nothing_half_done(state)
    assert state["stages"] == {"personalised": 3 * CHUNK, "ordered": CARDS - 3 * CHUNK}
    assert state["certificates"] == state["keys"] == state["audited_cards"] == 3 * CHUNK
    assert state["status"] == "personalising"
    # and resuming the batch (as the operator does) personalises the rest, once
    assert _run(env, "resume", "--batch", batch)["status"] == "personalised"
    state = _run(env, "state", "--batch", batch, "--verify", "--keys-every", "10")
    _assert_done_once(state)


@pytest.mark.postgres(reason="needs PostgreSQL: two workers claim chunks with SKIP LOCKED")
def test_the_other_worker_takes_over_the_chunk_of_a_killed_one(
    database: dict[str, str],
) -> None:
    env = database
    batch = str(_run(env, "setup", "--cards", str(CARDS))["batch"])
    # given a worker holding the batch's first chunk (locked, keyed and certified, uncommitted)
    first = _start(
        env, "work", "--batch", batch, "--chunk", str(CHUNK), "--hold-at", "write",
        "--hold-chunk", "1",
    )  # fmt: skip
    second: subprocess.Popen[str] | None = None
    try:
        held = _next_line(first)["holding"]
        # and a second worker at work beside it, past the locked chunk
        second = _start(env, "work", "--batch", batch, "--chunk", str(CHUNK), "--delay", "0.1")
        deadline = time.monotonic() + 120
        while _count(env, "SELECT COUNT(*) FROM cards_card WHERE stage = 'personalised'") == 0:
            assert time.monotonic() < deadline, "the second worker did nothing"
            assert second.poll() is None, "the second worker stopped"
            time.sleep(0.05)
        # when the first is killed while it holds its chunk
        _kill(first)
        # then the second personalises the rest of the batch, the killed one's chunk included
        outcome = _next_line(second)
        assert second.wait(timeout=120) == 0
    finally:
        _kill(first)
        if second is not None and second.poll() is None:
            _kill(second)
    assert outcome["done"] == CARDS
    state = _run(env, "state", "--batch", batch, "--verify", "--keys-every", "10")
    _assert_done_once(state)
    assert state["workers"] == {f"{socket.gethostname()}/{second.pid}": CARDS}
    assert held[0] == _count(
        env, f"SELECT MIN(card_id) FROM production_batchcard WHERE batch_id = {int(batch)}"
    )

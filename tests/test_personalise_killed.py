"""A worker killed in the middle of personalising leaves no card half-done, and the batch is
finished by a resume, or by the other worker, with every card personalised exactly once.

Runs personalisation in child processes (``python -m sscard.testing.personalise_child``)
against a real database — a SQLite file, or a fresh PostgreSQL database when the suite runs
on PostgreSQL — and kills them with SIGKILL while they hold a chunk's transaction open: its
certificates, keys, stage changes (and audit event) written, not committed.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sscard.testing.children import (
    child_database,
    child_kill,
    child_next_line,
    child_run,
    child_start,
)

# the workers run on the suite's database (a fresh one of its kind)
pytestmark = [pytest.mark.slow, pytest.mark.database, pytest.mark.timeout(300)]

CARDS = 300
CHUNK = 20
CHILD = "sscard.testing.personalise_child"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    settings = {"SSCARD_PERSONALISE_CHUNK": str(CHUNK)}
    with child_database(tmp_path / "data", prefix="sscard_pkill", **settings) as env:
        yield env


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    return child_run(CHILD, env, *args)


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return child_start(CHILD, env, *args)


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
        holding = child_next_line(child)
        assert holding["written"] == {"certificates": CHUNK, "keys": CHUNK, "personalised": CHUNK}
        # when it is killed there
    finally:
        child_kill(child)

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
        held = child_next_line(first)["holding"]
        # and a second worker at work beside it, past the locked chunk
        second = _start(env, "work", "--batch", batch, "--chunk", str(CHUNK), "--delay", "0.1")
        deadline = time.monotonic() + 120
        while _count(env, "SELECT COUNT(*) FROM cards_card WHERE stage = 'personalised'") == 0:
            assert time.monotonic() < deadline, "the second worker did nothing"
            assert second.poll() is None, "the second worker stopped"
            time.sleep(0.05)
        # when the first is killed while it holds its chunk
        child_kill(first)
        # then the second personalises the rest of the batch, the killed one's chunk included
        outcome = child_next_line(second)
        assert second.wait(timeout=120) == 0
    finally:
        child_kill(first)
        if second is not None and second.poll() is None:
            child_kill(second)
    assert outcome["done"] == CARDS
    state = _run(env, "state", "--batch", batch, "--verify", "--keys-every", "10")
    _assert_done_once(state)
    assert state["workers"] == {f"{socket.gethostname()}/{second.pid}": CARDS}
    assert held[0] == _count(
        env, f"SELECT MIN(card_id) FROM production_batchcard WHERE batch_id = {int(batch)}"
    )

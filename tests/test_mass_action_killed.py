"""A worker killed in the middle of applying an approved mass action leaves no card half-done,
and a resume (what a starting server runs) finishes it with every card changed and audited
exactly once.

Runs the mass action in child processes (``python -m sscard.testing.mass_child``) against a
real database — a SQLite file, or a fresh PostgreSQL database when the suite runs on
PostgreSQL — and kills the one applying it with SIGKILL while it holds a chunk's transaction
open: the chunk's cards cancelled and audited, not committed. Shares its harness
(:mod:`sscard.testing.children`) with ``tests/test_personalise_killed.py``.
"""

from __future__ import annotations

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

pytestmark = [pytest.mark.slow, pytest.mark.database, pytest.mark.timeout(300)]

CARDS = 60
CHUNK = 10
CHILD = "sscard.testing.mass_child"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    settings = {"SSCARD_MASS_CHUNK": str(CHUNK)}
    with child_database(tmp_path / "data", prefix="sscard_mkill", **settings) as env:
        yield env


def _run(env: dict[str, str], *args: str) -> dict[str, Any]:
    return child_run(CHILD, env, *args)


def test_a_worker_killed_mid_chunk_leaves_no_card_half_done_and_a_resume_finishes(
    database: dict[str, str],
) -> None:
    env = database
    action = str(_run(env, "setup", "--cards", str(CARDS))["action"])
    # given the approving officer's process applying the action, holding its third chunk:
    # the chunk's cards cancelled and audited, not committed
    child = child_start(CHILD, env, "approve", "--action", action, "--hold-chunk", "3")
    try:
        holding = child_next_line(child)
        assert holding["holding"] == CHUNK
        # when it is killed there
    finally:
        child_kill(child)

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

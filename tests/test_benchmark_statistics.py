"""The statistics benchmark (``benchmarks/statistics.py``) still sets up and measures: run at a
tiny size so that it cannot rot between the runs at a million persons.

It runs as the README runs it, ``python -m benchmarks.statistics``, in a child process pointed
at the suite's PostgreSQL server; the benchmark makes and drops its own database there. Its
checks (every figure equal to the bare SQL count) are asserts inside it: a wrong answer exits
non-zero.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres(reason="the benchmark runs on PostgreSQL (COPY, a database of its own)"),
    pytest.mark.timeout(300),
]

ROOT = Path(__file__).resolve().parents[1]
MEASURED = (
    "figures_on, city officer",
    "figures_on, district officer",
    "figures_on, city officer, employer",
    "series, city, daily",
    "series, city, weekly",
    "funnel, city",
)


def _databases(admin: str, prefix: str) -> list[str]:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{prefix}%",)
        ).fetchall()
    return [row[0] for row in rows]


def test_the_statistics_benchmark_runs_and_its_answers_equal_the_bare_counts() -> None:
    admin = os.environ["SSCARD_DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    prefix = f"sscard_test_stats_{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["SSCARD_BENCH_PG"] = admin
    # when the benchmark runs at 2,000 persons, each measurement three times
    command = ["-m", "benchmarks.statistics", "--persons", "2000", "--repeats", "3"]
    done = subprocess.run(
        [sys.executable, *command, "--prefix", prefix],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    # then it exits 0 (its checks held), prints the set-up and every measurement with its
    # baseline and ratio, and leaves no database behind
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "milestone_tallies_refresh() before measuring" in out
    for title in MEASURED:
        assert title in out, out
    assert out.count("  ours     :") == len(MEASURED)
    assert out.count("  baseline :") == len(MEASURED)
    assert out.count("  ratio    :") == len(MEASURED)
    assert _databases(admin, prefix) == []

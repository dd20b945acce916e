"""A killed import leaves nothing behind and can simply be run again.

Runs the real ``sscard import`` command in a child process against a real database (a SQLite
file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), kills it with SIGKILL
while it is writing, and checks the database.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PERSONS = 60_000


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SSCARD_DATA_DIR=str(tmp_path / "data"),
        SSCARD_IMPORT_CHUNK_ROWS="500",
    )
    return env


@pytest.fixture
def database(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = _env(tmp_path)
    url = os.environ.get("SSCARD_DATABASE_URL", "")
    name = f"sscard_kill_{os.getpid()}"
    if url.startswith("postgres"):
        import psycopg

        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["SSCARD_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env.pop("SSCARD_DATABASE_URL", None)
    yield env
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sscard(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sscard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _count(env: dict[str, str], sql: str) -> int:
    """Read one number straight from the database (fast enough to poll a running import)."""
    url = env.get("SSCARD_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
    else:
        with sqlite3.connect(Path(env["SSCARD_DATA_DIR"]) / "sscard.sqlite3", timeout=30) as db:
            row = db.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_killed_import_leaves_nothing_and_runs_again(
    database: dict[str, str], tmp_path: Path
) -> None:
    env = database
    population = tmp_path / "population"
    assert (
        _sscard(
            env,
            "generate",
            "population",
            "--city",
            "beijing",
            "--persons",
            str(PERSONS),
            "--out",
            str(population),
        ).returncode
        == 0
    )
    assert _sscard(env, "manage", "migrate", "-v", "0").returncode == 0
    load = (
        "import django; django.setup(); from sscard.core.actors import Actor; "
        "from sscard.registry.services import divisions_load; "
        "from sscard.network.services import banks_load; "
        "a = Actor.system('test'); divisions_load(actor=a); banks_load(actor=a)"
    )
    subprocess.run([sys.executable, "-c", load], env=env, check=True)
    for kind in ("employers", "schools"):
        assert _sscard(env, "import", kind, str(population / f"{kind}.csv")).returncode == 0

    # given an import of persons under way
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sscard.cli",
            "import",
            "persons",
            "--quiet",
            str(population / "persons.csv"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while _count(env, "SELECT COUNT(*) FROM core_importjob WHERE kind = 'persons'") == 0:
        assert time.monotonic() < deadline, "the import never started"
        time.sleep(0.05)
    if "SSCARD_DATABASE_URL" in env:
        # PostgreSQL shows reserved ids outside the transaction: wait until rows are written.
        while _count(env, "SELECT last_value FROM registry_person_id_seq") < 2000:
            assert time.monotonic() < deadline, "the import wrote nothing"
            time.sleep(0.01)
    else:
        time.sleep(0.5)
    # when it is killed in the middle
    assert child.poll() is None, "the import finished before it could be killed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    # then not one person row is left, and the job stays marked as never finished
    assert _count(env, "SELECT COUNT(*) FROM registry_person") == 0
    assert _count(env, "SELECT COUNT(*) FROM core_importjob WHERE status = 'running'") == 1
    # and running it again imports every row exactly once
    again = _sscard(env, "import", "persons", "--quiet", str(population / "persons.csv"))
    assert again.returncode == 0, again.stdout + again.stderr
    persons = _count(env, "SELECT COUNT(*) FROM registry_person")
    assert persons == PERSONS
    assert _count(env, "SELECT COUNT(DISTINCT id_number_index) FROM registry_person") == persons

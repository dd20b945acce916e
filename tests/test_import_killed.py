"""A killed import tells the truth, leaves no process behind, and resumes where it stopped.

Runs the real ``sscard import`` command in a child process against a real database (a SQLite
file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), with worker processes
preparing rows, and SIGKILLs it at five points of a 200,000-row file. After each kill no worker
survives; the next run marks the killed job failed and resumes after its last committed
chunk; at the end the persons equal those of a clean import of the same file into another
database, row for row.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# the importer runs on the suite's database (a fresh one of its kind)
pytestmark = [pytest.mark.slow, pytest.mark.database]

PERSONS = 200_000
KILL_AT = (0.08, 0.25, 0.45, 0.65, 0.85)  # share of the file committed when SIGKILL comes


def _sscard(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sscard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 200,000-person file, generated once for the module."""
    out = tmp_path_factory.mktemp("population")
    done = _sscard(
        dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.base"),
        "generate", "population", "--city", "beijing", "--persons", str(PERSONS),
        "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def _database(tmp_path: Path, label: str) -> Iterator[dict[str, str]]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        # One data directory (so one set of keys) for both databases: equal rows digest equally.
        SSCARD_DATA_DIR=str(tmp_path / "data"),
        SSCARD_IMPORT_CHUNK_ROWS="2000",
        SSCARD_IMPORT_WORKERS="2",
        SSCARD_IMPORT_PARALLEL_MIN_BYTES="0",
    )
    url = os.environ.get("SSCARD_DATABASE_URL", "")
    name = f"sscard_kill_{label}_{os.getpid()}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env["SSCARD_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env["SSCARD_DATABASE_URL"] = f"sqlite:///{tmp_path / f'{label}.sqlite3'}"
    yield env
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clean(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from _database(tmp_path, "clean")


@pytest.fixture
def killed(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield from _database(tmp_path, "killed")


def _rows(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    """Read straight from the database (fast enough to poll a running import)."""
    url = env["SSCARD_DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as db:
        return [tuple(r) for r in db.execute(sql).fetchall()]


def _one(env: dict[str, str], sql: str) -> int:
    return int(str(_rows(env, sql)[0][0] or 0))


def _prepare(env: dict[str, str], population: Path) -> None:
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


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


PERSONS_FINGERPRINT = (
    "SELECT p.id_number_index, p.source_digest, g.id_number_index, p.name, p.phone_index,"
    " p.employer_id, p.school_id, p.address FROM registry_person p"
    " LEFT JOIN registry_person g ON g.id = p.guardian_id"
)


def _fingerprint(env: dict[str, str]) -> set[tuple[object, ...]]:
    return {tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
            for row in _rows(env, PERSONS_FINGERPRINT)}  # fmt: skip


def test_an_import_killed_at_five_points_resumes_to_a_clean_result(
    population: Path, clean: dict[str, str], killed: dict[str, str]
) -> None:
    persons_csv = str(population / "persons.csv")
    # given the result of a clean import of the file
    _prepare(clean, population)
    started = time.monotonic()
    done = _sscard(clean, "import", "persons", "--quiet", persons_csv)
    clean_seconds = time.monotonic() - started
    assert done.returncode in (0, 1), done.stdout + done.stderr
    expected = _fingerprint(clean)
    assert len(expected) == _one(clean, "SELECT COUNT(*) FROM registry_person") > PERSONS * 0.9

    # when an import of the same file into another database is killed at five points
    _prepare(killed, population)
    running = (
        "SELECT MAX(rows_committed) FROM core_importjob"
        " WHERE kind = 'persons' AND status = 'running'"
    )
    for share in KILL_AT:
        child = subprocess.Popen(
            [sys.executable, "-m", "sscard.cli", "import", "persons", "--quiet", persons_csv],
            env=killed,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 600
        while _one(killed, running) < share * PERSONS:
            assert child.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import did not get that far"
            time.sleep(0.02)
        workers = _descendants(child.pid)
        assert workers, "the import ran without worker processes"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        # then its workers die with it
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, f"orphans left: {sorted(workers)}"
            time.sleep(0.05)
        # and its job still says running until the next import looks at it
        assert _one(killed, "SELECT COUNT(*) FROM core_importjob WHERE status = 'running'") == 1

    # and it is run once more to the end
    again = _sscard(killed, "import", "persons", "--quiet", persons_csv)
    assert again.returncode == done.returncode, again.stdout + again.stderr

    # then every killed job was marked failed, each rerun resumed the one before it
    jobs = _rows(
        killed,
        "SELECT id, status, error_code, resumed_from_id, rows_committed FROM core_importjob"
        " WHERE kind = 'persons' ORDER BY id",
    )
    assert [j[1:3] for j in jobs] == [("failed", "import_abandoned")] * 5 + [
        (_rows(clean, "SELECT status FROM core_importjob WHERE kind = 'persons'")[0][0], "")
    ]
    assert [j[3] for j in jobs[1:]] == [j[0] for j in jobs[:-1]]
    assert all(int(str(b[4])) > int(str(a[4])) for a, b in itertools.pairwise(jobs))
    # and the persons are exactly those of the clean import: none lost, none twice
    assert _one(killed, "SELECT COUNT(*) FROM registry_person") == len(expected)
    assert _fingerprint(killed) == expected
    print(f"clean import of {PERSONS:,} rows: {clean_seconds:.1f} s")

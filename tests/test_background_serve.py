"""The real server, a large upload and SIGTERM: long work is off the request, and stopping the
server leaves no process behind (issue 12, point 6).

``sscard serve`` (uvicorn, in-process) runs on a free port with a data directory of its own
(SQLite), importing with two worker processes preparing rows. A 50,000-person file (5 MB) is posted
to the API: the answer arrives while the job is still queued or running (asserted on the job's
state, never on time), and the job's progress moves as the server's pool imports it. SIGTERM
then stops the server mid-import: no child process of it survives, and the job says it was
interrupted after its last committed chunk, its upload kept. A new server resumes it to the
end: every person in once, the upload gone.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    # The server runs on a SQLite file of its own whatever the suite's database: once is enough.
    pytest.mark.skipif(
        os.environ.get("SSCARD_DATABASE_URL", "").startswith("postgres"),
        reason="runs its own SQLite server; covered by the SQLite run of the suite",
    ),
]

ROOT = Path(__file__).resolve().parents[1]
PERSONS = 50_000
WAIT = 600.0  # the longest any step may take on a loaded machine before the test fails


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=WAIT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


SET_UP = """
import sys
from pathlib import Path
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from sscard.core.actors import Actor
from sscard.network.services import banks_load
from sscard.portal.services import account_create, api_token_create
from sscard.registry.imports import import_employers, import_schools
from sscard.registry.services import divisions_load
system = Actor.system("test")
divisions_load(actor=system); banks_load(actor=system)
population = Path(sys.argv[1])
for run, kind in ((import_employers, "employers"), (import_schools, "schools")):
    run(actor=system, path=population / f"{kind}.csv", file_name=f"{kind}.csv")
account = account_create(actor=system, username="officer", password="a-long-pass-phrase-9",
                         role="city_officer")
print(api_token_create(actor=system, account=account, name="test")[1])
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path, str]:
    """A data directory set up with divisions, banks, employers, schools and a city officer's
    API token; the population file to upload."""
    base = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SSCARD_DATABASE"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        SSCARD_DATA_DIR=str(base / "data"),
        SSCARD_IMPORT_CHUNK_ROWS="2000",
        SSCARD_IMPORT_WORKERS="2",
        SSCARD_IMPORT_PARALLEL_MIN_BYTES="0",
        SSCARD_BACKGROUND="thread",
        SSCARD_BACKGROUND_GRACE_SECONDS="60",
    )
    population = base / "population"
    _run(env, "-m", "sscard.cli", "generate", "population", "--city", "beijing",
         "--persons", str(PERSONS), "--out", str(population))  # fmt: skip
    token = _run(env, "-c", SET_UP, str(population)).strip().splitlines()[-1]
    return env, population / "persons.csv", token


class Server:
    """``sscard serve`` in a child process on a free port."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "sscard.cli", "serve", "--port", str(self.port)],
                env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.log = log
        _until(self._up, "the server did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _up(self) -> bool:
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(self.url("/api/v1/health"), timeout=5) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False


def _until(condition: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


def _post_file(server: Server, path: str, token: str, file: Path) -> tuple[int, dict[str, object]]:
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{file.name}"\r\n'.encode(),
            b"Content-Type: text/csv\r\n\r\n",
            file.read_bytes(),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(
        server.url(path),
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=WAIT) as answer:
        return int(answer.status), json.loads(answer.read())


def _db(env: dict[str, str]) -> Path:
    return Path(env["SSCARD_DATA_DIR"]) / "sscard.sqlite3"


def _rows(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(_db(env), timeout=30) as db:
        return [tuple(r) for r in db.execute(sql).fetchall()]


def _job(env: dict[str, str], job_id: object) -> dict[str, object]:
    names = ("status", "error_code", "rows_committed", "rows_inserted", "rows_refused",
             "bytes_read", "spool_path", "resumed_from_id", "finished_at")  # fmt: skip
    (row,) = _rows(env, f"SELECT {', '.join(names)} FROM core_importjob WHERE id = {job_id}")
    return dict(zip(names, row, strict=True))


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
        if fields[0] != "Z":
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


def _stop(server: Server, signum: int) -> None:
    """Signal the server; then it and every process it started must be gone."""
    below = _descendants(server.process.pid)
    server.process.send_signal(signum)
    server.process.wait(timeout=WAIT)
    _until(lambda: not any(_alive(p) for p in below), f"orphans left: {sorted(below)}")


def test_a_large_upload_runs_off_the_request_and_a_stopped_server_leaves_nothing_behind(
    site: tuple[dict[str, str], Path, str], tmp_path: Path
) -> None:
    env, persons, token = site
    first = Server(env, tmp_path / "server1.log")
    # when a 50,000-person file is posted to the API
    status, job = _post_file(first, "/api/v1/imports/persons", token, persons)
    # then the answer comes while the import is still to run or running: 202 and where to poll
    assert status == 202, job
    assert job["status"] in ("queued", "running")
    assert job["finished_at"] is None
    assert job["status_url"] == f"/api/v1/imports/{job['id']}"
    # and the job moves on in the server's pool: committed chunks, bytes read (its progress)
    _until(lambda: int(str(_job(env, job["id"])["rows_committed"])) > 0, "no chunk committed")
    running = _job(env, job["id"])
    assert running["status"] == "running"
    assert 0 < int(str(running["bytes_read"])) < persons.stat().st_size
    upload = Path(str(running["spool_path"]))
    assert upload.is_file()
    assert upload.parent == Path(env["SSCARD_DATA_DIR"]) / "uploads"
    # and the import's worker processes run under the server
    assert _descendants(first.process.pid), "the import ran without worker processes"

    # when the server is stopped mid-import (SIGTERM)
    _stop(first, signal.SIGTERM)
    # then no process of it is left (checked by _stop), and the job ended at a safe point,
    # resumable, with its upload kept
    stopped = _job(env, job["id"])
    assert (stopped["status"], stopped["error_code"]) == ("failed", "import_interrupted")
    assert 0 < int(str(stopped["rows_committed"])) < PERSONS
    assert upload.is_file()

    # when a new server starts
    second = Server(env, tmp_path / "server2.log")
    # then it resumes the import in a new job, after the committed chunks, to the end
    resumed = f"SELECT id FROM core_importjob WHERE resumed_from_id = {job['id']}"
    _until(lambda: bool(_rows(env, resumed)), "the import was not resumed")
    resumed_id = _rows(env, resumed)[0][0]
    _until(lambda: _job(env, resumed_id)["finished_at"] is not None, "the import did not end")
    done = _job(env, resumed_id)
    assert done["status"] in ("succeeded", "partial"), done
    # and every person is in once; the upload is gone and no job names it
    persons_stored = _rows(
        env, "SELECT COUNT(*), COUNT(DISTINCT id_number_index) FROM registry_person"
    )
    assert persons_stored[0] == (done["rows_inserted"], done["rows_inserted"])
    with persons.open(encoding="utf-8-sig") as fh:
        rows = sum(1 for _ in fh) - 1
    assert int(str(done["rows_inserted"])) + int(str(done["rows_refused"])) == rows
    assert not upload.exists()
    assert _rows(env, "SELECT COUNT(*) FROM core_importjob WHERE spool_path != ''") == [(0,)]
    # and the second server, stopped by Ctrl+C, leaves nothing behind either
    _stop(second, signal.SIGINT)

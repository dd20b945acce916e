"""Verification beyond one database (issue 16): reads from a streaming replica behind
PgBouncer, writes to the primary.

A pair of throwaway clusters (``scripts/pg-replica-pair``: a primary, its streaming replica and
PgBouncer in transaction mode in front of the replica, on ports of their own) is started once
per test process. Each test makes its world on the run's database with the services, copies
it to a database of the pair's primary (``pg_dump``; streaming brings it to the replica) and
serves ``config.asgi:application`` against the pair: the primary as ``default``, PgBouncer as
``SSCARD_DATABASE_REPLICAS``. Terminals then ask over HTTP, as they do in production: the lean
route (a bearer ``POST /cards/verify``) and Django's (a challenge), while the tests write
through the API, stop the pair's primary, or pause the replica's replay.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor
from sscard.core.database_errors import DatabaseErrorCode
from sscard.portal.models import Account
from sscard.portal.services import api_token_create
from sscard.testing.card_life import collect_at, dispatch, produce
from sscard.testing.factories import AccountFactory, make_id_number

pytestmark = [
    pytest.mark.postgres(reason="streaming replicas are PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,  # a server started per test: 6 to 15 s each
]

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "pg-replica-pair"
MAX_LAG = 2.0  # the served app's SSCARD_REPLICA_MAX_LAG_SECONDS: short, so the tests are
SYSTEM = Actor.system("test")
ID = make_id_number(61)
TERMINAL, DEVICE = "T110102000017", "0102A5F3"


def _missing_tools() -> str | None:
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and not shutil.which("pg_config"):
        return "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()):
        return "pgbouncer is not installed (apt-get install pgbouncer)"
    if not shutil.which("pg_dump"):
        return "pg_dump is not installed (apt-get install postgresql-client)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Pair:
    folder: str
    primary: int
    replica: int
    bouncer: int

    def sql(self, port: int, database: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname=database, autocommit=True
        ) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def script(self, command: str) -> None:
        subprocess.run([str(SCRIPT), command, self.folder], check=True, capture_output=True)


@pytest.fixture(scope="session")
def pair() -> Iterator[Pair]:
    """The pair, for the whole session (each xdist worker starts its own, on free ports)."""
    missing = _missing_tools()
    if missing:
        pytest.skip(missing)
    folder = tempfile.mkdtemp(prefix="rep-pair-", dir="/tmp")
    found = Pair(folder, _free_port(), _free_port(), _free_port())
    env = dict(
        os.environ,
        PAIR_PRIMARY_PORT=str(found.primary),
        PAIR_REPLICA_PORT=str(found.replica),
        PAIR_PGBOUNCER_PORT=str(found.bouncer),
    )
    subprocess.run([str(SCRIPT), "start", folder], check=True, capture_output=True, env=env)
    try:
        yield found
    finally:
        found.script("stop")


@dataclass
class Served:
    """The app served against the pair, and the world the test made."""

    pair: Pair
    database: str
    port: int
    log: Path
    party: str  # a hospital's token
    clerk: str  # a bank clerk's token, at the new card's outlet
    holder: str  # the lost card's holder's token
    old: Card  # a second-generation card, enabled: replaced once ``new`` is enabled
    new: Card  # handed over, not enabled
    lost: Card  # enabled, reported lost by its holder in a test

    def call(self, path: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        conn.request("POST", f"/api/v1{path}", json.dumps(body), headers)
        response = conn.getresponse()
        content = response.read()
        conn.close()
        return response.status, json.loads(content)

    def page(self, path: str) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        content = response.read().decode("utf-8")
        conn.close()
        return response.status, content

    def status(self, c: Card) -> str:
        code, body = self.call("/cards/verify", self.party, {"card_number": c.card_number})
        assert code == 200, body
        return str(body["status"])

    def bouncer_queries(self) -> int:
        """Queries PgBouncer has passed to the replica for the test's database."""
        with psycopg.connect(
            host="127.0.0.1",
            port=self.pair.bouncer,
            user="postgres",
            dbname="pgbouncer",
            autocommit=True,
            prepare_threshold=None,
        ) as conn:
            cursor = conn.execute("SHOW STATS")
            names = [d.name for d in cursor.description or []]
            for row in cursor.fetchall():
                stats = dict(zip(names, row, strict=True))
                if stats["database"] == self.database:
                    return int(stats["total_query_count"])
        return 0


def _copy_to_pair(pair: Pair, database: str) -> None:
    """The run's database as the test left it, into ``database`` on the pair's primary."""
    pair.sql(pair.primary, "postgres", f'CREATE DATABASE "{database}"')
    source = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-h",
            str(source["HOST"] or "127.0.0.1"),
            "-p",
            str(source["PORT"] or 5432),
            "-U",
            str(source["USER"] or "postgres"),
            str(source["NAME"]),
        ],
        check=True,
        capture_output=True,
        env=dict(os.environ, PGPASSWORD=str(source.get("PASSWORD") or "")),
    ).stdout
    subprocess.run(
        [
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(pair.primary),
            "-U",
            "postgres",
            "-d",
            database,
        ],
        input=dump,
        check=True,
        capture_output=True,
    )
    deadline = time.monotonic() + 10
    while True:  # streamed to the replica
        try:
            if pair.sql(pair.replica, database, "SELECT count(*) FROM cards_card")[0][0]:
                return
        except psycopg.Error:
            pass
        if time.monotonic() > deadline:
            raise AssertionError("the copy never reached the replica")
        time.sleep(0.1)


def _serve(pair: Pair, database: str, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SSCARD_DATABASE_URL=f"postgresql://postgres@127.0.0.1:{pair.primary}/{database}",
        SSCARD_DATABASE_REPLICAS=f"postgresql://postgres@127.0.0.1:{pair.bouncer}/{database}",
        SSCARD_REPLICA_MAX_LAG_SECONDS=str(MAX_LAG),
        # Every request looks its token up: with the primary down, on the replica.
        SSCARD_TOKEN_CACHE_SECONDS="0",
    )
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--no-access-log"], cwd=ROOT, env=env, stderr=log.open("wb")
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise AssertionError(log.read_text()) from None
            time.sleep(0.2)


def _token(account: Account) -> str:
    return api_token_create(actor=SYSTEM, account=account, name="test")[1]


@pytest.fixture
def served(pair: Pair, tmp_path: Path) -> Iterator[Served]:
    # given a holder whose new card is handed over and whose old one is still enabled, and
    # another holder's enabled card
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=BJ_PILOT_DAY))
    new = collect_at(unit.outlet, unit.applications[0])
    old = card(new.person, ss_function="enabled", generation=2)
    lost_holder = person(id_number=ID)
    lost = card(lost_holder, ss_function="enabled")
    tokens = {
        "party": _token(AccountFactory.create(api_client=True)),
        "clerk": _token(AccountFactory.create(bank_clerk=True, outlet=unit.outlet)),
        "holder": _token(AccountFactory.create(cardholder=True, person=lost_holder)),
    }
    database = f"rep_{os.getpid()}_{time.monotonic_ns()}"
    _copy_to_pair(pair, database)
    log = tmp_path / "server.log"
    server, port = _serve(pair, database, log)
    try:
        yield Served(pair, database, port, log, old=old, new=new, lost=lost, **tokens)
    finally:
        server.terminate()
        server.wait(30)
        if Path(pair.folder, "primary", "postmaster.pid").exists():
            pair.sql(pair.primary, "postgres", f'DROP DATABASE "{database}" WITH (FORCE)')


def test_a_card_enabled_on_the_primary_answers_valid_from_the_replica_within_the_bound(
    served: Served,
) -> None:
    before = served.bouncer_queries()
    assert (served.status(served.old), served.status(served.new)) == ("valid", "not_enabled")
    # when the clerk enables the new card (a write: the primary)
    code, body = served.call(f"/cards/{served.new.pk}/enable", served.clerk, {})
    assert code == 200, body
    enabled = time.monotonic()
    # then within the bound the replica answers it valid and the old card replaced
    while (served.status(served.new), served.status(served.old)) != ("valid", "replaced"):
        assert time.monotonic() - enabled <= MAX_LAG
        time.sleep(0.05)
    # and Django's route (a challenge) reads the card there too, writing its nonce on the
    # primary
    code, body = served.call(
        "/cards/challenges", served.party, {"card_number": served.new.card_number}
    )
    assert code == 201, body
    assert body["verification"]["status"] == "valid"
    assert served.bouncer_queries() > before  # the answers came through PgBouncer


def test_with_the_primary_down_verification_answers_from_the_replica_and_writes_fail_clearly(
    served: Served,
) -> None:
    served.pair.script("stop-primary")
    try:
        # then a terminal still hears the card's status (its token read on the replica too)
        assert served.status(served.lost) == "valid"
        # and a terminal that names itself is answered, its record lost, logged and counted
        c = served.lost
        reader = (
            f"110102|{ID}|{c.card_number}|{c.card_id_code}|张伟|3B6D000080318065B08402010C839000|"
            f"3.00|{c.issued_on:%Y%m%d}|{c.valid_until:%Y%m%d}|{TERMINAL}|{DEVICE}|"
        )
        code, body = served.call("/cards/verify", served.party, {"reader_string": reader})
        assert (code, body["status"]) == (200, "valid")
        # while a write says why it failed, in both languages
        code, body = served.call(
            f"/cards/{c.pk}/loss-reports", served.holder, {"channel": "online"}
        )
        assert code == 503
        assert body["code"] == "database_unavailable"
        assert (
            body["message_zh"],
            body["message_en"],
        ) == DatabaseErrorCode.DATABASE_UNAVAILABLE.text()
        code, body = served.call("/cards/challenges", served.party, {"card_number": c.card_number})
        assert (code, body["code"]) == (503, "database_unavailable")
        # and a page that needs the database says so too, rather than "internal error"
        code, text = served.page("/help/")
        assert code == 503
        assert DatabaseErrorCode.DATABASE_UNAVAILABLE.text()[0] in text
    finally:
        served.pair.script("start-primary")
    assert "record of a verification not kept" in served.log.read_text()


def test_a_replica_lagging_past_the_bound_is_skipped_so_a_lost_card_is_never_valid_past_it(
    served: Served,
) -> None:
    pair, c = served.pair, served.lost
    assert served.status(c) == "valid"
    pair.sql(pair.replica, served.database, "SELECT pg_wal_replay_pause()")
    try:
        # when the holder reports the card lost while the replica replays nothing
        code, body = served.call(
            f"/cards/{c.pk}/loss-reports", served.holder, {"channel": "online"}
        )
        assert code == 201, body
        reported = time.monotonic()
        # then no answer after the bound says valid, and the answer comes from the primary
        answers = []
        while time.monotonic() - reported < MAX_LAG + 1.5:
            status = served.status(c)
            answers.append(status)
            assert status != "valid" or time.monotonic() - reported <= MAX_LAG, answers
            time.sleep(0.05)
        assert answers[-1] == "blocked_temporary"
        stale = pair.sql(
            pair.replica, served.database, "SELECT block FROM cards_card WHERE id = %s", c.pk
        )
        assert stale == [("none",)]  # the replica still has the card as it was
    finally:
        pair.sql(pair.replica, served.database, "SELECT pg_wal_replay_resume()")

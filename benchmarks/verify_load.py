"""Verification under load: the lean route of ``config.asgi`` against a bare ASGI endpoint.

    uv run python -m benchmarks.verify_load --cards 1000000 [--seconds 20] [--connections 64]
        [--workers 1] [--rounds 1] [--stock]

Set-up (not timed): a fresh PostgreSQL database with N persons and N cards written by COPY —
every column of both models filled (the ones the models give no default, here; the others
their defaults, so columns added later with a default change nothing), ID numbers SM4-encrypted
and keyed-SM3-indexed by ``sscard.core.crypto`` as an import stores them, and a mix of
statuses; then VACUUM (FREEZE, ANALYZE) and ANALYZE, one read of the sampled cards (so that
neither server pays for the first touch of freshly written pages), and a relying party's
account with a bearer token.

Then, one after the other and with the same uvicorn worker count and pool size: (a) ours,
``config.asgi:application``, and (b) the baseline, ``benchmarks/bare_verify_asgi.py`` (no
Django, no checks: the same SELECT on an async pool of the same size, a small JSON answer).
``wrk`` drives each with POSTs of random real card numbers and the bearer header, after a
warm-up. ``--rounds N`` takes N such turns of both, the one or the other first, and reports
the median of each figure (the machine is small and shared: load from elsewhere then falls on
both alike). Besides req/s and
latency, each line gives the server's CPU time per request, which varies less from run to run.
``--stock`` adds Django's own ASGI application (``config.asgi:django_application``) for
reference only: under ASGI each Django request runs in a thread of its own, and with the
persistent connections of ``config/settings/base.py`` (``CONN_MAX_AGE`` 60) each leaves its
connection open, so at 64 connections it may run PostgreSQL out of connections.

Targets: ours/bare throughput >= 0.6, ours p99 / bare p99 <= 2.0, and no answer other than 200
from either.

``--replica`` (issue 16) measures instead ours with the primary alone and ours with the primary
plus a streaming replica read through PgBouncer in transaction mode
(``SSCARD_DATABASE_REPLICAS``): ``scripts/pg-replica-pair`` starts a throwaway primary, its
replica and PgBouncer on ports of their own, the cards are loaded on that primary (streaming
brings them to the replica) and the pair is stopped and removed at the end. The figures say
what one machine shows: here the replica shares the primary's two cores, so it shows the
route works through PgBouncer at what cost, not the capacity a replica on its own machine adds.

Needs ``wrk`` (``apt-get install wrk``: installed here when run as root with apt, else named in
one line), and for ``--replica`` Debian's ``postgresql`` and ``pgbouncer`` packages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks._common import Timer, fresh_database

ROOT = Path(__file__).resolve().parent.parent
URL_PATH = "/api/v1/cards/verify"
REGION = "110102"  # Xicheng, Beijing
SAMPLE = 100_000  # card numbers wrk picks from
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
# What share of the cards is in each state (the rest is valid): a realistic mix.
MIX = (
    ("not_enabled", 0.10),
    ("blocked_temporary", 0.03),
    ("blocked_formal", 0.02),
    ("replaced", 0.06),
    ("cancelled", 0.02),
    ("expired", 0.04),
)
LUA = """\
local numbers = {}
init = function(args)
  for line in io.lines("%(numbers)s") do numbers[#numbers + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
request = function()
  local body = '{"card_number": "' .. numbers[math.random(#numbers)] .. '"}'
  return wrk.format(nil, nil, nil, body)
end
"""


# --- the data -----------------------------------------------------------------------------


def _columns(model: Any, given: Iterable[str]) -> tuple[list[str], dict[str, Any]]:
    """The model's columns, and the value of each column the rows do not give: its default
    (prepared for the database), or NULL. A NOT NULL column with no default that the
    benchmark does not know stops it, naming the column."""
    from django.db import connection

    known = set(given)
    columns, constants = [], {}
    for f in model._meta.concrete_fields:
        columns.append(f.column)
        if f.column in known:
            continue
        if not (f.has_default() or f.null or f.blank):
            raise SystemExit(f"{model.__name__}.{f.name} is NOT NULL without a default: set it")
        constants[f.column] = f.get_db_prep_save(f.get_default(), connection)
    missing = known - set(columns)
    if missing:
        raise SystemExit(f"{model.__name__} has no column {sorted(missing)}")
    return columns, constants


def _copy(model: Any, given: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY the rows (values of the ``given`` columns) into the model's table."""
    from django.db import connection

    columns, constants = _columns(model, given)
    position = {column: i for i, column in enumerate(given)}
    names = ", ".join(f'"{c}"' for c in columns)
    table = model._meta.db_table
    count = 0
    with (
        connection.connection.cursor() as cur,
        cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row([row[position[c]] if c in position else constants[c] for c in columns])
            count += 1
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), max(id)) FROM \"{table}\""
        )
    return count


def _id_number(n: int) -> tuple[str, date]:
    """The ``n``-th valid resident ID number of the region (distinct for n < 20,000,000)."""
    from sscard.kernel.idnumber import check_digit

    born = date(1940, 1, 1) + timedelta(days=n % 20_000)
    first17 = f"{REGION}{born:%Y%m%d}{n // 20_000:03d}"
    return first17 + check_digit(first17), born


def _persons(count: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    from sscard.core.crypto import ID_NUMBER, field_cipher
    from sscard.kernel import idnumber

    cipher = field_cipher()
    for pk in range(1, count + 1):
        number, born = _id_number(pk)
        name = SURNAMES[pk % 20] + GIVEN[pk % 24] + (GIVEN[pk // 24 % 24] if pk % 3 else "")
        yield (
            pk,
            cipher.index(number, field=ID_NUMBER),
            cipher.encrypt(number, field=ID_NUMBER),
            idnumber.mask(number),
            "resident",
            name,
            "M" if int(number[16]) % 2 else "F",
            born,
            REGION,
            REGION,
            "in_service_staff",
            pk.to_bytes(16, "big"),
            now,
        )


PERSON_COLUMNS = [
    "id",
    "id_number_index",
    "id_number_enc",
    "id_number_masked",
    "id_kind",
    "name",
    "sex",
    "birth_date",
    "hukou_region",
    "insured_region",
    "category",
    "source_digest",
    "created_at",
]
CARD_COLUMNS = [
    "id",
    "person_id",
    "generation",
    "interfaces",
    "functions",
    "bank_code",
    "card_number",
    "card_id_code",
    "stage",
    "ss_function",
    "block",
    "blocked_until",
    "issued_on",
    "valid_until",
    "enabled_at",
]


def _cards(count: int, today: date, now: datetime, seed: int) -> Iterator[tuple[Any, ...]]:
    from psycopg.types.json import Jsonb

    from sscard.kernel.cardcodes import card_identification_code, card_number

    functions = Jsonb(["medical_settlement", "self_query", "financial"])
    interfaces = {3: Jsonb(["contact", "contactless"]), 2: Jsonb(["contact"])}
    states = random.Random(seed)
    for pk in range(1, count + 1):
        roll, state = states.random(), "valid"
        for name, share in MIX:
            if roll < share:
                state = name
                break
            roll -= share
        generation = 2 if state == "replaced" else 3
        issued = today - timedelta(days=3650 if state == "expired" else 1 + pk % 3000)
        ss_function = {
            "not_enabled": "not_enabled",
            "replaced": "invalid",
            "cancelled": "cancelled",
        }.get(state, "enabled")
        block = {"blocked_temporary": "temporary", "blocked_formal": "formal"}.get(state, "none")
        yield (
            pk,
            pk,
            generation,
            interfaces[generation],
            functions,
            "ICBC",
            card_number("BC"[generation - 2], pk),
            card_identification_code(REGION, pk),
            "handed_over",
            ss_function,
            block,
            today + timedelta(days=30) if state == "blocked_temporary" else None,
            issued,
            issued + timedelta(days=3650 - 1),
            now if ss_function == "enabled" else None,
        )


def load(count: int, seed: int = 20240304) -> list[str]:
    """Write the persons and cards; answer a sample of the card numbers written."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sscard.cards.models import Card
    from sscard.registry.models import Person

    now, today = timezone.now(), timezone.localdate()
    with Timer() as took, transaction.atomic():
        _copy(Person, PERSON_COLUMNS, _persons(count, now))
        _copy(Card, CARD_COLUMNS, _cards(count, today, now, seed))
    print(f"  loaded {count:,} persons and {count:,} cards by COPY in {took.seconds:.1f} s")
    picks = random.Random(seed).sample(range(1, count + 1), min(SAMPLE, count))
    with Timer() as settled, connection.cursor() as cur:
        # As a table long in use is: hint bits set and all visible (else whichever server is
        # measured first pays for writing them), statistics fresh (ANALYZE), and the pages
        # the sample reads in the cache.
        cur.execute(f"VACUUM (FREEZE, ANALYZE) {Person._meta.db_table}, {Card._meta.db_table}")
        cur.execute("ANALYZE")
        cur.execute(
            "SELECT ss_function, block, count(*) FROM cards_card GROUP BY 1, 2 ORDER BY 3 DESC"
        )
        mix = ", ".join(f"{f}/{b} {n:,}" for f, b, n in cur.fetchall())
        cur.execute(
            "SELECT c.card_number, p.name FROM cards_card c"
            " JOIN registry_person p ON p.id = c.person_id WHERE c.id = ANY(%s)",
            [picks],
        )
        numbers = [row[0] for row in cur.fetchall()]
    print(f"  VACUUM (FREEZE, ANALYZE), ANALYZE and a read of the sample: {settled.seconds:.1f} s")
    print(f"  cards (social-security function/block): {mix}")
    return numbers


def terminal_token() -> str:
    """A relying party (a hospital), its account and a bearer token, as an officer issues it."""
    from django.contrib.auth import get_user_model

    from sscard.core.actors import Actor
    from sscard.network.models import RelyingParty
    from sscard.portal.models import Account
    from sscard.portal.services import api_token_create

    party = RelyingParty.objects.create(
        code="RP-BENCH", name="西城区人民医院", kind="hospital", district=REGION
    )
    user = get_user_model().objects.create_user(username="bench-terminal")
    account = Account.objects.create(user=user, role="relying_party", relying_party=party)
    return api_token_create(actor=Actor.system("benchmark"), account=account, name="bench")[1]


def plan_of_our_query(number: str) -> str:
    """The plan's scan of the cards table for the lean route's compiled query."""
    from django.db import connection

    from config.fastverify import compiled_query

    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + compiled_query(), [number])
        lines = [str(row[0]).strip() for row in cur.fetchall()]
    return next((line for line in lines if "cards_card" in line), lines[0])


# --- the servers and wrk ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(target: str, *, workers: int, env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Run uvicorn on ``target`` until the block ends; yield its port and process id once it
    answers."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"{target} did not start") from None
                time.sleep(0.2)
        yield port, server.pid
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_answer(port: int, token: str, number: str) -> None:
    """One request by hand: a 200 with a JSON body, or stop with what came back."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"card_number": number})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST", URL_PATH, body, headers)
    response = conn.getresponse()
    content = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{response.status} {content[:300]!r}")


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    cpu_us: float = 0.0  # the server's CPU time per request (steadier than req/s on 2 cores)


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (uvicorn's workers), so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * _UNITS[unit]


def drive(port: int, script: Path, *, seconds: int, connections: int, threads: int) -> Load:
    """Run wrk against the verification path and read its summary."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{URL_PATH}",
    ]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def find(pattern: str, default: str | None = None) -> str:
        match = re.search(pattern, out)
        if match is None:
            if default is None:
                raise SystemExit(f"unexpected wrk output:\n{out}")
            return default
        return match.group(1)

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Load(
        rps=float(find(r"Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"\s50%\s+([\d.]+\w+)")),
        p99_ms=_ms(find(r"\s99%\s+([\d.]+\w+)")),
        requests=int(find(r"(\d+) requests in")),
        non_2xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def _line(label: str, load: Load, what: str) -> str:
    return (
        f"  {label:<9}: {load.rps:>9,.0f} req/s   p50 {load.p50_ms:7.2f} ms   "
        f"p99 {load.p99_ms:7.2f} ms   non-2xx {load.non_2xx}   socket errors "
        f"{load.socket_errors}   server CPU {load.cpu_us:4.0f} us/request   ({what})"
    )


def _median(loads: list[Load]) -> Load:
    """The median of each figure over the rounds; failures are summed."""
    return Load(
        rps=statistics.median(x.rps for x in loads),
        p50_ms=statistics.median(x.p50_ms for x in loads),
        p99_ms=statistics.median(x.p99_ms for x in loads),
        requests=sum(x.requests for x in loads),
        non_2xx=sum(x.non_2xx for x in loads),
        socket_errors=sum(x.socket_errors for x in loads),
        cpu_us=statistics.median(x.cpu_us for x in loads),
    )


def ensure_wrk() -> None:
    """wrk, installed with apt when this runs as root, else named in one line."""
    if shutil.which("wrk") is not None:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk: apt-get install wrk", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
        )
        return
    raise SystemExit("verify_load needs wrk: apt-get install wrk")


@dataclass(frozen=True)
class ReplicaPair:
    """The pair ``scripts/pg-replica-pair`` started: a primary, its replica, PgBouncer."""

    folder: str
    primary: str  # admin URLs (database ``postgres``)
    replica: str
    pgbouncer: str


@contextmanager
def replica_pair() -> Iterator[ReplicaPair]:
    """Start the pair in a new folder on free ports; stop it and remove the folder at the end."""
    folder = tempfile.mkdtemp(prefix="sscard-bench-pair-", dir="/tmp")
    env = dict(
        os.environ,
        PAIR_PRIMARY_PORT=str(_free_port()),
        PAIR_REPLICA_PORT=str(_free_port()),
        PAIR_PGBOUNCER_PORT=str(_free_port()),
    )
    script = str(ROOT / "scripts" / "pg-replica-pair")
    out = subprocess.run(
        [script, "start", folder], check=True, capture_output=True, text=True, env=env
    ).stdout
    urls = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
    try:
        yield ReplicaPair(folder, urls["primary"], urls["replica"], urls["pgbouncer"])
    finally:
        subprocess.run([script, "stop", folder], check=False)


def _caught_up(pair: ReplicaPair, database: str) -> float:
    """Wait until the replica has replayed everything the primary wrote; the seconds taken."""
    import psycopg

    started = time.monotonic()
    with psycopg.connect(pair.primary, autocommit=True) as primary:
        row = primary.execute("SELECT pg_current_wal_lsn()::text").fetchone()
        assert row is not None
        target = row[0]
    replica_url = pair.replica.rsplit("/", 1)[0] + "/" + database
    with psycopg.connect(replica_url, autocommit=True) as replica:
        while True:
            row = replica.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
            ).fetchone()
            if row is not None and row[0]:
                return time.monotonic() - started
            time.sleep(0.1)


def run_replica(
    cards: int,
    *,
    seconds: int = 20,
    connections: int = 64,
    workers: int = 1,
    threads: int = 1,
    warmup: int = 5,
    pool_size: int = 4,
    rounds: int = 1,
) -> dict[str, Load]:
    """Ours with the primary alone, then with primary + replica (through PgBouncer)."""
    ensure_wrk()
    print(f"verification with a replica: {cards:,} cards on a fresh primary/replica pair")
    runs: dict[str, list[Load]] = {"primary": [], "replica": []}
    with (
        replica_pair() as pair,
        fresh_database("postgresql", prefix="sscard_bench_replica", admin_url=pair.primary) as db,
    ):
        from django.db import connections as django_connections

        numbers = load(cards)
        token = terminal_token()
        django_connections.close_all()
        print(f"  the replica caught up in {_caught_up(pair, db):.1f} s")

        folder = Path(tempfile.mkdtemp(prefix="sscard-verify-load-"))
        (folder / "numbers.txt").write_text("\n".join(numbers) + "\n")
        script = folder / "verify.lua"
        script.write_text(LUA % {"numbers": folder / "numbers.txt", "token": token})
        bouncer = pair.pgbouncer.rsplit("/", 1)[0] + "/" + db
        base = {k: v for k, v in os.environ.items() if k != "SSCARD_DATABASE_REPLICAS"}
        setups = {
            "primary": ("primary alone", dict(base, SSCARD_VERIFY_POOL_SIZE=str(pool_size))),
            "replica": (
                "primary + replica via PgBouncer",
                dict(
                    base, SSCARD_VERIFY_POOL_SIZE=str(pool_size), SSCARD_DATABASE_REPLICAS=bouncer
                ),
            ),
        }
        for turn in range(1, rounds + 1):
            order = list(setups) if turn % 2 else list(reversed(setups))
            for label in order:
                what, env = setups[label]
                measured = _turn(
                    "config.asgi:application", env, token=token, number=numbers[0],
                    script=script, seconds=seconds, warmup=warmup, connections=connections,
                    threads=threads, workers=workers,
                )  # fmt: skip
                runs[label].append(measured)
                print(_line(label, measured, f"round {turn}: {what}"), flush=True)
        shutil.rmtree(folder)

    results = {label: _median(loads) for label, loads in runs.items()}
    summary = "median of each figure over " + (f"{rounds} rounds" if rounds > 1 else "1 round")
    print(
        f"\nverify {cards:,} cards: wrk {threads} thread(s), {connections} connections, "
        f"{seconds} s after {warmup} s of warm-up; uvicorn {workers} worker(s), pool "
        f"{pool_size}; {summary}"
    )
    for label, (what, _env) in setups.items():
        print(_line(label, results[label], what))
    primary, replica = results["primary"], results["replica"]
    print(f"  ratio    : {replica.rps / primary.rps:.2f} (primary + replica / primary alone)")
    failed = sum(x.non_2xx + x.socket_errors for x in results.values())
    if failed:
        raise SystemExit(f"{failed} requests failed or were not answered 200")
    return results


def _turn(
    target: str,
    env: dict[str, str],
    *,
    token: str,
    number: str,
    script: Path,
    seconds: int,
    warmup: int,
    connections: int,
    threads: int,
    workers: int,
) -> Load:
    """One measured turn: serve ``target`` afresh, check its answer, warm it up, then drive it
    for ``seconds``; the load with the server's CPU time per request."""
    with serving(target, workers=workers, env=env) as (port, pid):
        check_answer(port, token, number)
        drive(port, script, seconds=warmup, connections=connections, threads=threads)
        cpu = _cpu_seconds(pid)
        measured = drive(port, script, seconds=seconds, connections=connections, threads=threads)
        cpu = _cpu_seconds(pid) - cpu
    return replace(measured, cpu_us=cpu / max(measured.requests, 1) * 1e6)


def run(
    cards: int,
    *,
    seconds: int = 20,
    connections: int = 64,
    workers: int = 1,
    threads: int = 1,
    warmup: int = 5,
    pool_size: int = 4,
    rounds: int = 1,
    stock: bool = False,
) -> dict[str, Load]:
    ensure_wrk()
    print(f"verification under load: {cards:,} cards on postgresql", flush=True)
    targets = [
        ("ours", "config.asgi:application", "config.asgi:application"),
        ("bare", "benchmarks.bare_verify_asgi:application", "bare ASGI, same SELECT and pool"),
    ]
    if stock:
        targets.append(("django", "config.asgi:django_application", "stock Django, reference"))
    runs: dict[str, list[Load]] = {label: [] for label, _, _ in targets}
    with fresh_database("postgresql", prefix="sscard_bench_verify"):
        from django.db import connections as django_connections

        numbers = load(cards)
        token = terminal_token()
        print(f"  plan of our query: {plan_of_our_query(numbers[0])}")
        django_connections.close_all()

        folder = Path(tempfile.mkdtemp(prefix="sscard-verify-load-"))
        (folder / "numbers.txt").write_text("\n".join(numbers) + "\n")
        script = folder / "verify.lua"
        script.write_text(LUA % {"numbers": folder / "numbers.txt", "token": token})
        env = dict(os.environ, SSCARD_VERIFY_POOL_SIZE=str(pool_size))
        # Ours and the baseline take turns, the one or the other first, so that load from
        # elsewhere on the machine falls on both alike; each turn starts its server afresh,
        # warms it up, then measures.
        for turn in range(1, rounds + 1):
            order = targets if turn % 2 else [*reversed(targets[:2]), *targets[2:]]
            for label, target, _what in order:
                measured = _turn(
                    target, env, token=token, number=numbers[0], script=script,
                    seconds=seconds, warmup=warmup, connections=connections, threads=threads,
                    workers=workers,
                )  # fmt: skip
                runs[label].append(measured)
                print(_line(label, measured, f"round {turn}: {target}"), flush=True)
        shutil.rmtree(folder)

    results = {label: _median(loads) for label, loads in runs.items()}
    ours, bare = results["ours"], results["bare"]
    summary = "median of each figure over " + (f"{rounds} rounds" if rounds > 1 else "1 round")
    print(
        f"\nverify {cards:,} cards: wrk {threads} thread(s), {connections} connections, "
        f"{seconds} s after {warmup} s of warm-up; uvicorn {workers} worker(s), pool "
        f"{pool_size}; {summary}"
    )
    for label, _target, what in targets:
        print(_line(label, results[label], what))
    throughput, p99 = ours.rps / bare.rps, ours.p99_ms / bare.p99_ms
    print(f"  ratio    : {throughput:.2f} (ours/bare throughput; target >= 0.6)")
    print(f"  ratio    : {p99:.2f} (ours p99 / bare p99; target <= 2.0)", flush=True)
    failed = ours.non_2xx + ours.socket_errors + bare.non_2xx + bare.socket_errors
    if failed:
        raise SystemExit(f"{failed} requests failed or were not answered 200")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of wrk before measuring")
    parser.add_argument("--pool-size", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=1, help="turns of ours and bare")
    parser.add_argument("--stock", action="store_true", help="also run stock Django's ASGI app")
    parser.add_argument(
        "--replica",
        action="store_true",
        help="primary alone vs primary + streaming replica through PgBouncer (own clusters)",
    )
    args = parser.parse_args()
    if args.replica:
        run_replica(
            args.cards,
            seconds=args.seconds,
            connections=args.connections,
            workers=args.workers,
            threads=args.threads,
            warmup=args.warmup,
            pool_size=args.pool_size,
            rounds=args.rounds,
        )
        return
    run(
        args.cards,
        seconds=args.seconds,
        connections=args.connections,
        workers=args.workers,
        threads=args.threads,
        warmup=args.warmup,
        pool_size=args.pool_size,
        rounds=args.rounds,
        stock=args.stock,
    )


if __name__ == "__main__":
    main()

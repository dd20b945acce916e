"""Personalise one batch of N cards with 1, 2, … real Celery workers, against OpenSSL's SM2.

    uv run python -m benchmarks.personalise --cards 100000 --workers 1 2 --chunk 500
    uv run python -m benchmarks.personalise --cards 100000 --broker redis://127.0.0.1:6379/0

Set-up, not timed: a fresh PostgreSQL database; N persons with a photo and a submitted
application each, written set-based; one batch formed by the platform's own
``batches_form`` (N ordered cards); the CAs created; planner statistics refreshed.

Timed, for each worker count W: the batch is put back as it was before personalisation
(certificates and keys deleted, cards ``ordered``, status ``personalising``, then VACUUM
ANALYZE), W workers (``uv run celery -A config worker --pool solo``, on a queue of the
run's own) are started and ready; the clock runs from ``batch_start`` — whose commit queues
the tasks on the broker — until the batch is ``personalised``. Every card is then checked
to be personalised once, and a sample of certificates verified up to the root.

Baseline, in the same run: ``openssl speed -seconds 3 sm2``, its sign/s. That is ONE core,
and OpenSSL divides by user CPU time, not wall time. Every card costs one SM2 key generation
and one SM2 signature (about two signatures' worth of elliptic-curve work), so one core
cannot do better than about 0.5 × sign/s cards/s. Target: cards/s ÷ sign/s >= 0.4.

Also shown, because the machine may be shared: the CPU seconds the workers and their
PostgreSQL backends used (from /proc), the load average, and the bare crypto per card (key
pair + certificate, and the key wrap) in CPU time on 2,000 cards in this process.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from benchmarks._common import OUT, Timer, fresh_database

BARE_CARDS = 2000
OPENSSL = ["openssl", "speed", "-seconds", "3", "sm2"]
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"


@dataclass(frozen=True)
class Run:
    workers: int
    cards: int
    seconds: float
    by_worker: dict[str, int]
    worker_cpu: float  # CPU seconds of the worker processes during the run
    database_cpu: float  # CPU seconds of the PostgreSQL backends of this database
    load: float  # 1-minute load average at the end

    @property
    def rate(self) -> float:
        return self.cards / self.seconds


def _cpu(*, pids: set[int] | None = None, group: int | None = None) -> dict[int, float]:
    """CPU seconds (user + system) so far of the given processes, or of a process group."""
    tick = os.sysconf("SC_CLK_TCK")
    found: dict[int, float] = {}
    paths = (
        [Path(f"/proc/{pid}") for pid in pids]
        if pids is not None
        else [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    )
    for entry in paths:
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if group is None or int(fields[2]) == group:
            found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return found


def _backends() -> set[int]:
    """The PostgreSQL backends connected to this database, except this process's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return {int(row[0]) for row in cursor.fetchall()}


def openssl_sign_per_second(*, elapsed: bool = False) -> float:
    """``openssl speed -seconds 3 sm2``: SM2 signatures per second of one core."""
    command = [*OPENSSL[:2], "-elapsed", *OPENSSL[2:]] if elapsed else OPENSSL
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    # "                              sign    verify    sign/s verify/s"
    # " 256 bits SM2 (CurveSM2)   0.0004s   0.0003s   2842.7   3189.4"
    match = re.search(r"SM2 \(CurveSM2\)\s+\S+s\s+\S+s\s+([\d.]+)\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"cannot read openssl speed's output:\n{out}")
    return float(match.group(1))


def bare_crypto(cards: int) -> dict[str, float]:
    """CPU microseconds per card of what personalisation computes, in this process, without
    the database: key pair, certificate (one SM2 signature), key wrap."""
    from datetime import UTC, datetime
    from datetime import time as day_time

    from django.conf import settings

    from sscard.cards.services.authority import authority_ensure
    from sscard.core.actors import Actor
    from sscard.core.crypto import secret_wrap
    from sscard.kernel.cardcodes import card_identification_code
    from sscard.kernel.gm import sm2_generate_keypair
    from sscard.kernel.pki import CardCertificateIssuer

    issuer = authority_ensure(actor=Actor.system("benchmark"))
    certificates = CardCertificateIssuer(
        issuer_key=issuer.key,
        issuer_cert=issuer.certificate,
        organization=settings.SSCARD_CA_ORGANIZATION,
    )
    codes = [card_identification_code("110102", 8_000_000 + n) for n in range(cards)]
    start = datetime.combine(datetime.now(UTC).date(), day_time.min, tzinfo=UTC)
    end = start.replace(year=start.year + 10)
    clock = time.process_time  # CPU time, as openssl speed counts
    began = clock()
    pairs = [sm2_generate_keypair() for _ in range(cards)]
    keyed = clock()
    for code, (_scalar, public) in zip(codes, pairs, strict=True):
        certificates.issue(
            serial=int(code[16:], 16),
            card_id_code=code,
            public_key_der=public,
            not_before=start,
            not_after=end,
        )
    certified = clock()
    for n, (scalar, _public) in enumerate(pairs):
        secret_wrap(scalar, label=f"card:{n}")
    wrapped = clock()
    return {
        "keygen": (keyed - began) / cards * 1e6,
        "certificate": (certified - keyed) / cards * 1e6,
        "wrap": (wrapped - certified) / cards * 1e6,
    }


def batch_reset(batch_id: int) -> None:
    """The batch as it was before personalisation: no certificates or keys, every card
    ordered, status personalising; then VACUUM ANALYZE, so every run starts alike. (The
    audit trail keeps every run's events: it is only ever appended to.)"""
    from django.db import connection, transaction

    from sscard.cards.models import Card, CardCertificate
    from sscard.production.models import Batch, BatchCard, CardKey

    members = f'SELECT "card_id" FROM "{BatchCard._meta.db_table}" WHERE "batch_id" = %s'
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (CardCertificate, CardKey):
            table = model._meta.db_table
            cursor.execute(f'DELETE FROM "{table}" WHERE "card_id" IN ({members})', [batch_id])
        cursor.execute(
            f'UPDATE "{Card._meta.db_table}" SET "stage" = %s WHERE "id" IN ({members})',
            ["ordered", batch_id],
        )
        Batch.objects.filter(pk=batch_id).update(status="personalising", personalised_at=None)
    tables = [m._meta.db_table for m in (Card, CardCertificate, CardKey, BatchCard, Batch)]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE " + ", ".join(f'"{t}"' for t in tables))


def personalised_by(batch_id: int) -> dict[str, int]:
    """Cards per worker in the ``cards_personalise`` audit events since the last start."""
    from django.db.models import Max

    from sscard.core.models import AuditEvent

    started = (
        AuditEvent.objects.filter(
            action__in=["batch_start", "batch_resume"], object_id=str(batch_id)
        ).aggregate(last=Max("pk"))["last"]
        or 0
    )
    events = AuditEvent.objects.filter(
        pk__gt=started,
        action="cards_personalise",
        object_type="production.batch",
        object_id=str(batch_id),
    )
    cards: dict[str, int] = {}
    for changes in events.values_list("changes", flat=True):
        name = str(changes.get("worker", "?"))
        cards[name] = cards.get(name, 0) + int(changes["cards"])
    return cards


def check_batch(batch_id: int, cards: int, *, sample: int = 200) -> None:
    """Every card personalised once; a sample of certificates verified up to the root."""
    from datetime import timedelta

    from django.utils import timezone

    from sscard.cards.models import Card, CardCertificate
    from sscard.cards.services.authority import chain_of
    from sscard.kernel.pki import verify_chain
    from sscard.production.models import CardKey

    certificates = CardCertificate.objects.filter(card__batch_entry__batch_id=batch_id)
    assert certificates.count() == cards, certificates.count()
    assert certificates.values("authority_id", "serial").distinct().count() == cards
    assert CardKey.objects.filter(card__batch_entry__batch_id=batch_id).count() == cards
    personalised = Card.objects.filter(batch_entry__batch_id=batch_id, stage="personalised")
    assert personalised.count() == cards
    at = timezone.now() + timedelta(days=1)  # a card's certificate starts at 00:00 UTC
    for record in certificates.order_by("?")[:sample]:
        chain = chain_of(record.authority_id)
        assert chain is not None
        verify_chain(bytes(record.der), chain, at=at)


def timed_run(batch_id: int, cards: int, *, workers: int, chunk: int, broker: str) -> Run:
    from django.test import override_settings

    from sscard.core.actors import Actor
    from sscard.production.models import Batch
    from sscard.production.services import batch_start
    from sscard.testing.workers import celery_workers, project_celery, queue_delete, worker_env

    batch_reset(batch_id)
    queue = f"sscard-bench-personalise-{uuid.uuid4().hex[:12]}"
    env = worker_env(
        database=os.environ["SSCARD_DATABASE_URL"],
        broker=broker,
        SSCARD_PERSONALISE_CHUNK=str(chunk),
    )
    tasks = max(workers, 4)  # the product's default, or one per worker when there are more
    try:
        with (
            celery_workers(workers, queue=queue, env=env, log_dir=OUT / "personalise") as procs,
            project_celery(broker=broker, queue=queue),
            override_settings(SSCARD_PERSONALISE_TASKS=tasks),
        ):
            groups = [proc.process.pid for proc in procs if proc.process is not None]
            workers_before = sum(sum(_cpu(group=g).values()) for g in groups)
            # Celery closes a task's database connection when the task ends: follow the
            # backends as they come and go, and keep what each had spent when last seen.
            backends_before = _cpu(pids=_backends())
            backends_seen = dict(backends_before)
            with Timer() as clock:
                batch_start(actor=Actor.system("benchmark"), batch_id=batch_id)
                while not Batch.objects.filter(pk=batch_id, status="personalised").exists():
                    for proc in procs:
                        proc.ready()  # raises if the worker died
                    backends_seen.update(_cpu(pids=_backends()))
                    time.sleep(0.1)
            worker_cpu = sum(sum(_cpu(group=g).values()) for g in groups) - workers_before
            backends_seen.update(_cpu(pids=_backends()))
            database_cpu = sum(
                spent - backends_before.get(pid, 0.0) for pid, spent in backends_seen.items()
            )
    finally:
        queue_delete(broker=broker, queue=queue)
    check_batch(batch_id, cards)
    return Run(
        workers=workers,
        cards=cards,
        seconds=clock.seconds,
        by_worker=personalised_by(batch_id),
        worker_cpu=worker_cpu,
        database_cpu=database_cpu,
        load=os.getloadavg()[0],
    )


def run(cards: int, *, workers: list[int], chunk: int, broker: str = RABBITMQ_URL) -> list[Run]:
    with fresh_database("postgresql", prefix="sscard_bench_personalise"):
        from sscard.cards.services.authority import authority_ensure
        from sscard.core.actors import Actor
        from sscard.testing.personalisation import ordered_batch, refresh_statistics

        print(f"setting up {cards:,} ordered cards in one batch …", flush=True)
        with Timer() as setup:
            batch = ordered_batch(cards)
            authority_ensure(actor=Actor.system("benchmark"))
            refresh_statistics()
        print(f"  set-up took {setup.seconds:.1f} s (not timed below)", flush=True)

        load = os.getloadavg()[0]
        bare = bare_crypto(BARE_CARDS)
        sign = openssl_sign_per_second()
        sign_wall = openssl_sign_per_second(elapsed=True)
        runs: list[Run] = []
        for count in workers:
            print(f"personalising with {count} worker(s) …", flush=True)
            runs.append(timed_run(batch.pk, cards, workers=count, chunk=chunk, broker=broker))

    crypto = bare["keygen"] + bare["certificate"]
    print(f"\npersonalise {cards:,} cards in one batch, chunks of {chunk}, PostgreSQL, {broker}")
    print(
        f"  bare crypto per card ({BARE_CARDS:,} cards in-process, CPU time): key pair "
        f"{bare['keygen']:.0f} µs + certificate {bare['certificate']:.0f} µs = {crypto:.0f} µs "
        f"({1e6 / crypto:,.0f} cards/s on one core, {1e6 / crypto / sign:.2f} × sign/s); "
        f"key wrap {bare['wrap']:.0f} µs more"
    )
    print(
        f"  baseline : openssl speed -seconds 3 sm2 = {sign:,.1f} sign/s (one core, per CPU "
        f"second; per wall second, -elapsed: {sign_wall:,.1f}); load average {load:.1f}"
    )
    for item in runs:
        share = " + ".join(f"{n:,}" for n in sorted(item.by_worker.values(), reverse=True))
        print(
            f"  ours, {item.workers} worker{'s' if item.workers > 1 else ' '}: {item.cards:,} "
            f"cards in {item.seconds:6.1f} s = {item.rate:7,.1f} cards/s; ratio to sign/s "
            f"{item.rate / sign:.2f} (target >= 0.4)"
        )
        print(
            f"      cards per worker {share}; CPU per card: workers "
            f"{item.worker_cpu / item.cards * 1e6:.0f} µs, PostgreSQL "
            f"{item.database_cpu / item.cards * 1e6:.0f} µs; per worker CPU second "
            f"{item.cards / item.worker_cpu:,.0f} cards = {item.cards / item.worker_cpu / sign:.2f}"
            f" × sign/s; load average {item.load:.1f}"
        )
    rates = {item.workers: item.rate for item in runs}
    if 1 in rates and 2 in rates:
        print(f"  speed-up, 2 workers vs 1: {rates[2] / rates[1]:.2f}", flush=True)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--broker", default=RABBITMQ_URL)
    args = parser.parse_args()
    run(args.cards, workers=args.workers, chunk=args.chunk, broker=args.broker)


if __name__ == "__main__":
    main()

"""Shared set-up for benchmarks: a fresh database (SQLite file or PostgreSQL) per run."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN_URL = os.environ.get("SSCARD_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def population(city: str, persons: int) -> Path:
    """Generate (once, cached under benchmarks/out) a synthetic population."""
    from sscard.synthetic.population import generate_population

    folder = OUT / f"{city}-{persons}"
    if not (folder / "persons.csv").exists():
        print(f"generating {persons:,} persons → {folder}", flush=True)
        generate_population(city=city, persons=persons, out_dir=folder)
    return folder


@contextmanager
def fresh_database(
    backend: str, *, prefix: str = "sscard_bench", admin_url: str | None = None
) -> Iterator[str]:
    """Point Django at a new, empty, migrated database; drop it afterwards (PostgreSQL: on the
    server of ``admin_url``, by default ``SSCARD_BENCH_PG``)."""
    admin = admin_url or PG_ADMIN_URL
    data_dir = Path(tempfile.mkdtemp(prefix="sscard-bench-"))
    os.environ["SSCARD_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SSCARD_FIELD_KEY", secrets.token_hex(32))
    os.environ.setdefault("SSCARD_SECRET_KEY", secrets.token_hex(32))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    name = f"{prefix}_{os.getpid()}"
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["SSCARD_DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + name
    else:
        os.environ.pop("SSCARD_DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    try:
        yield name
    finally:
        from django.db import connections

        connections.close_all()
        if backend == "postgresql":
            import psycopg

            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


class Timer:
    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def report(title: str, rows: int, ours: float, base: float, base_name: str, target: float) -> None:
    ratio = (rows / ours) / (rows / base)
    print(f"\n{title}")
    print(f"  ours     : {rows:>12,} rows in {ours:8.2f} s = {rows / ours:>12,.0f} rows/s")
    rate = f"{rows / base:>12,.0f}"
    print(f"  baseline : {rows:>12,} rows in {base:8.2f} s = {rate} rows/s ({base_name})")
    print(f"  ratio    : {ratio:.2f} (ours/baseline throughput; target >= {target})", flush=True)


def raw_rewrite(model: type, *, what: str) -> tuple[float, str]:
    """Time writing the table's current rows again, raw, in one transaction: the baseline.

    The rows are read back as they are (already encrypted, already keyed), the table is
    emptied, and the same rows are written with one COPY (PostgreSQL) or one executemany
    (SQLite). Returns the seconds and a description of the baseline.
    """
    import io

    from django.db import connection, transaction

    table = model._meta.db_table  # type: ignore[attr-defined]
    columns = [f.column for f in model._meta.concrete_fields]  # type: ignore[attr-defined]
    names = ", ".join(f'"{c}"' for c in columns)
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) TO STDOUT') as copy:
            for block in copy:
                buffer.write(block)
        with transaction.atomic():
            connection.cursor().execute(f'TRUNCATE "{table}" CASCADE')
        payload = buffer.getvalue()
        with (
            Timer() as base,
            transaction.atomic(),
            raw.cursor() as cur,
            cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy,
        ):
            copy.write(payload)
        return base.seconds, f"raw COPY of the same final {what}"
    cur = raw.cursor()
    cur.execute(f'SELECT {names} FROM "{table}"')
    final = cur.fetchall()
    with transaction.atomic():
        cur.execute(f'DELETE FROM "{table}"')
    marks = ",".join("?" * len(columns))
    with Timer() as base, transaction.atomic():
        raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', final)
    return base.seconds, f"raw executemany of the same final {what}, one transaction"


def city_loaded(folder: Path, *, persons: bool) -> None:
    """Load the divisions, the banks and a generated population's employers, schools and
    outlets (and, with ``persons``, its persons) into the database Django points at."""
    from sscard.core.actors import Actor
    from sscard.network.imports import import_outlets
    from sscard.network.services import banks_load
    from sscard.registry.imports import import_employers, import_persons, import_schools
    from sscard.registry.services import divisions_load

    actor = Actor.system("benchmark")
    divisions_load(actor=actor)
    banks_load(actor=actor)
    names = ("employers", "schools", "outlets", *(("persons",) if persons else ()))
    importers = {
        "employers": import_employers,
        "schools": import_schools,
        "outlets": import_outlets,
        "persons": import_persons,
    }
    for name in names:
        importers[name](actor=actor, path=folder / f"{name}.csv", file_name=name)


def run_main(run: Callable[[int, str], object], doc: str | None, *, persons: int) -> None:
    """The command line of an import benchmark: ``--persons N --backend postgresql|sqlite``."""
    import argparse

    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--persons", type=int, default=persons)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    run(args.persons, args.backend)

"""Import N persons from CSV (encryption and index included) against a raw bulk write.

    uv run python -m benchmarks.import_persons --persons 1000000 --backend postgresql
    uv run python -m benchmarks.import_persons --persons 1000000 --backend sqlite

Baseline, in the same run and on the same database: the final rows of our import (already
encrypted) are read back, the table emptied, and the rows written again raw — one COPY on
PostgreSQL, one executemany in one transaction on SQLite. Target ratio >= 0.4.
"""

from __future__ import annotations

import argparse
import io

from benchmarks._common import Timer, fresh_database, population, report


def run(persons: int, backend: str, city: str = "beijing") -> float:
    folder = population(city, persons)
    with fresh_database(backend):
        from django.db import connection, transaction

        from sscard.core.actors import Actor
        from sscard.network.imports import import_outlets
        from sscard.network.services import banks_load
        from sscard.registry.imports import import_employers, import_persons, import_schools
        from sscard.registry.models import Person
        from sscard.registry.services import divisions_load

        actor = Actor.system("benchmark")
        divisions_load(actor=actor)
        banks_load(actor=actor)
        for name, importer in (
            ("employers", import_employers),
            ("schools", import_schools),
            ("outlets", import_outlets),
        ):
            importer(actor=actor, path=folder / f"{name}.csv", file_name=name)

        with Timer() as ours:
            job = import_persons(actor=actor, path=folder / "persons.csv", file_name="persons")
        rows = job.rows_inserted
        assert rows > 0.99 * persons, f"only {rows:,} of {persons:,} rows imported"

        table = Person._meta.db_table
        columns = [f.column for f in Person._meta.concrete_fields]
        names = ", ".join(f'"{c}"' for c in columns)
        connection.ensure_connection()
        raw = connection.connection
        if backend == "postgresql":
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
            base_name = "raw COPY of the same final rows"
        else:
            cur = raw.cursor()
            cur.execute(f'SELECT {names} FROM "{table}"')
            final = cur.fetchall()
            with transaction.atomic():
                cur.execute(f'DELETE FROM "{table}"')
            marks = ",".join("?" * len(columns))
            with Timer() as base, transaction.atomic():
                raw.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', final)
            base_name = "raw executemany of the same final rows, one transaction"
        report(
            f"import {rows:,} persons on {backend}",
            rows,
            ours.seconds,
            base.seconds,
            base_name,
            0.4,
        )
        return (rows / ours.seconds) / (rows / base.seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    run(args.persons, args.backend)


if __name__ == "__main__":
    main()

"""Import N persons from CSV (encryption and index included) against a raw bulk write.

    uv run python -m benchmarks.import_persons --persons 1000000 --backend postgresql
    uv run python -m benchmarks.import_persons --persons 1000000 --backend sqlite

Baseline, in the same run and on the same database: the final rows of our import (already
encrypted) are read back, the table emptied, and the rows written again raw — one COPY on
PostgreSQL, one executemany in one transaction on SQLite. Target ratio >= 0.4.
"""

from __future__ import annotations

import argparse

from benchmarks._common import Timer, fresh_database, population, raw_rewrite, report


def run(persons: int, backend: str, city: str = "beijing") -> float:
    folder = population(city, persons)
    with fresh_database(backend):
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

        base_seconds, base_name = raw_rewrite(Person, what="rows")
        report(
            f"import {rows:,} persons on {backend}",
            rows,
            ours.seconds,
            base_seconds,
            base_name,
            0.4,
        )
        return base_seconds / ours.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    run(args.persons, args.backend)


if __name__ == "__main__":
    main()

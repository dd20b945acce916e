"""Import N persons from CSV (encryption and index included) against a raw bulk write.

    uv run python -m benchmarks.import_persons --persons 1000000 --backend postgresql
    uv run python -m benchmarks.import_persons --persons 1000000 --backend sqlite

Baseline, in the same run and on the same database: the final rows of our import (already
encrypted) are read back, the table emptied, and the rows written again raw — one COPY on
PostgreSQL, one executemany in one transaction on SQLite. Target ratio >= 0.4.
"""

from __future__ import annotations

from benchmarks._common import (
    Timer,
    city_loaded,
    fresh_database,
    population,
    raw_rewrite,
    report,
    run_main,
)


def run(persons: int, backend: str, city: str = "beijing") -> float:
    folder = population(city, persons)
    with fresh_database(backend):
        from sscard.core.actors import Actor
        from sscard.registry.imports import import_persons
        from sscard.registry.models import Person

        actor = Actor.system("benchmark")
        city_loaded(folder, persons=False)

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
    run_main(run, __doc__, persons=1_000_000)


if __name__ == "__main__":
    main()

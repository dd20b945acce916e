"""Import the legacy system's cards (one old card per person) against a raw bulk write.

    uv run python -m benchmarks.import_legacy_cards --persons 100000 --backend postgresql

The persons are imported first (not timed); the legacy export is written from the population's
ID numbers, one second-generation card each, in the old system's states. Baseline, in the same
run and on the same database: the final card rows of our import are read back, the table
emptied, and the rows written again raw — one COPY on PostgreSQL, one executemany in one
transaction on SQLite. The import checks each row (ID number, card codes, dates, bank, state),
finds its holder by keyed index, refuses duplicates in the file and against the database,
locks the holders and writes an audit event per chunk.
"""

from __future__ import annotations

import csv
from pathlib import Path

from benchmarks._common import (
    Timer,
    city_loaded,
    fresh_database,
    population,
    raw_rewrite,
    report,
    run_main,
)

STATES = ("enabled", "enabled", "enabled", "not_enabled", "temporary_loss", "cancelled")


def legacy_file(folder: Path, persons: int) -> Path:
    """The old system's export for the population: one card per person."""
    from sscard.kernel.cardcodes import card_identification_code, card_number

    out = folder / f"legacy-cards-{persons}.csv"
    if out.exists():
        return out
    with (
        (folder / "persons.csv").open(encoding="utf-8") as source,
        out.open("w", encoding="utf-8", newline="") as target,
    ):
        rows = csv.DictReader(source)
        writer = csv.writer(target)
        writer.writerow(
            [
                "id_number",
                "card_number",
                "card_id_code",
                "generation",
                "bank",
                "issued_on",
                "valid_until",
                "state",
                "blocked_until",
                "financial_state",
            ]
        )
        for serial, row in enumerate(rows, start=1):
            region = row["id_number"][:6]
            writer.writerow(
                [
                    row["id_number"],
                    card_number("B", serial),
                    card_identification_code(region if region.isdigit() else "110102", serial),
                    2,
                    "ICBC",
                    "2016-05-01",
                    "2026-04-30",
                    STATES[serial % len(STATES)],
                    "",
                    "activated",
                ]
            )
    return out


def run(persons: int, backend: str, city: str = "beijing") -> float:
    folder = population(city, persons)
    with fresh_database(backend):
        from sscard.cards.legacy import import_legacy_cards
        from sscard.cards.models import Card
        from sscard.core.actors import Actor

        actor = Actor.system("benchmark")
        city_loaded(folder, persons=True)
        path = legacy_file(folder, persons)

        with Timer() as ours:
            job = import_legacy_cards(actor=actor, path=path, file_name=path.name)
        rows = job.rows_inserted
        assert rows > 0.99 * persons, f"only {rows:,} of {persons:,} cards imported ({job.status})"

        base_seconds, base_name = raw_rewrite(Card, what="rows")
        report(
            f"import {rows:,} legacy cards on {backend}",
            rows,
            ours.seconds,
            base_seconds,
            base_name,
            0.4,
        )
        return base_seconds / ours.seconds


def main() -> None:
    run_main(run, __doc__, persons=100_000)


if __name__ == "__main__":
    main()

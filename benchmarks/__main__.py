"""Run every benchmark: ``uv run python -m benchmarks`` (long: tens of minutes)."""

from __future__ import annotations

from datetime import date

from benchmarks import (
    collective_submit,
    decide_bulk,
    import_legacy_cards,
    import_memory,
    import_persons,
    personalise,
    statistics,
    verify_load,
)


def main() -> None:
    for backend in ("postgresql", "sqlite"):
        import_persons.run(1_000_000, backend)
    import_legacy_cards.run(100_000, "postgresql")
    import_memory.run([100, 1000], "postgresql")
    decide_bulk.run(1_000_000, day=date(2024, 6, 15))
    statistics.run(1_000_000)
    for backend in ("postgresql", "sqlite"):
        collective_submit.run(50_000, backend)
    personalise.run(100_000, workers=[1, 2], chunk=500)
    verify_load.run(1_000_000)


if __name__ == "__main__":
    main()

"""Run every benchmark: ``uv run python -m benchmarks`` (long: tens of minutes)."""

from __future__ import annotations

from benchmarks import import_memory, import_persons


def main() -> None:
    for backend in ("postgresql", "sqlite"):
        import_persons.run(1_000_000, backend)
    import_memory.run([100, 1000], "postgresql")


if __name__ == "__main__":
    main()

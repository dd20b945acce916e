"""Peak memory of a persons import stays flat as the file grows (it streams, never loads whole).

    uv run python -m benchmarks.import_memory --sizes-mb 100 1000 --backend postgresql

For each size a synthetic persons file of about that many megabytes is generated and imported
by the real ``sscard import persons`` command in a child process on a fresh database. The figure
is the peak resident memory of the largest process of that import (the parent or its row
worker), beside the same figure for the smallest file as the baseline: a ratio near 1.0 means
memory does not grow with the file.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from benchmarks._common import OUT, fresh_database, population

BYTES_PER_PERSON = 143  # measured on generated Beijing files


def _peak_rss_mb(args: list[str]) -> tuple[float, float, int]:
    started = time.perf_counter()
    child = subprocess.Popen(args, env=dict(os.environ))
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    return usage.ru_maxrss / 1024, seconds, os.waitstatus_to_exitcode(status)


def run(sizes_mb: list[int], backend: str) -> None:
    results = []
    for size in sizes_mb:
        persons = max(1_000, size * 1_000_000 // BYTES_PER_PERSON)
        folder = population("beijing", persons)
        file = folder / "persons.csv"
        with fresh_database(backend):
            from sscard.core.actors import Actor
            from sscard.network.services import banks_load
            from sscard.registry.imports import import_employers, import_schools
            from sscard.registry.services import divisions_load

            actor = Actor.system("benchmark")
            divisions_load(actor=actor)
            banks_load(actor=actor)
            import_employers(actor=actor, path=folder / "employers.csv", file_name="e")
            import_schools(actor=actor, path=folder / "schools.csv", file_name="s")
            peak, seconds, code = _peak_rss_mb(
                [sys.executable, "-m", "sscard.cli", "import", "persons", "--quiet", str(file)]
            )
        size_mb = file.stat().st_size / 1e6
        results.append((size_mb, persons, peak, seconds, code))
        print(
            f"{size_mb:8.0f} MB  {persons:>11,} persons  peak {peak:7.0f} MiB  "
            f"{seconds:7.1f} s  exit {code}",
            flush=True,
        )
    base = results[0]
    print("\npeak memory of a persons import, by file size (largest process of the import)")
    for size_mb, persons, peak, _s, _c in results:
        print(
            f"  {size_mb:8.0f} MB ({persons:,} rows): {peak:7.0f} MiB; "
            f"ratio to the {base[0]:.0f} MB baseline: {peak / base[2]:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--backend", choices=["postgresql"], default="postgresql")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    run(args.sizes_mb, args.backend)


if __name__ == "__main__":
    main()

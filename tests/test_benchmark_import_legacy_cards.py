"""The legacy-cards import benchmark (``benchmarks/import_legacy_cards.py``) still sets up and
measures: run at a tiny size on SQLite, as the README runs it, so that it cannot rot between
the runs at scale. Its own assert (nearly every card imported) exits non-zero on a wrong
answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[1]


def test_the_benchmark_imports_every_card_and_prints_its_baseline_and_ratio(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "SSCARD_"))}
    env["SSCARD_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.import_legacy_cards", "--persons", "1500",
         "--backend", "sqlite"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    assert "legacy cards on sqlite" in done.stdout
    assert "raw executemany" in done.stdout or "baseline" in done.stdout
    assert "ratio" in done.stdout

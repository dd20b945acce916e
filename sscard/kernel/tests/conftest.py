"""Shared fixtures of the kernel tests: the national-standard vectors in ``shared/vectors``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest


def vectors_path() -> Path:
    """``<repo>/../shared/vectors/gm.json``, or ``$SSCARD_SHARED_DIR/vectors/gm.json``."""
    override = os.environ.get("SSCARD_SHARED_DIR")
    if override:
        return Path(override) / "vectors" / "gm.json"
    return Path(__file__).resolve().parents[3] / ".." / "shared" / "vectors" / "gm.json"


@pytest.fixture(scope="session")
def gm_vectors() -> dict[str, Any]:
    """The vectors file. Missing vectors FAIL the test: a crypto check that silently skips
    is worse than none."""
    path = vectors_path()
    if not path.is_file():
        pytest.fail(f"reference vectors not found at {path} (set SSCARD_SHARED_DIR)")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data

"""Shared fixtures of the kernel tests: the national-standard vectors in ``vectors/gm.json``.

The file is a copy, kept in the repository, of the project's reference vectors
(``vectors/README.md`` says where they come from): a fresh clone runs the tests with nothing
beside it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS = Path(__file__).resolve().parent / "vectors" / "gm.json"


def vectors_path() -> Path:
    """``sscard/kernel/tests/vectors/gm.json``, beside this file."""
    return VECTORS


@pytest.fixture(scope="session")
def gm_vectors() -> dict[str, Any]:
    """The vectors file. Missing vectors FAIL the test: a crypto check that silently skips
    is worse than none."""
    path = vectors_path()
    if not path.is_file():
        pytest.fail(f"reference vectors not found at {path}: restore them from the repository")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data

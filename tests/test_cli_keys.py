"""`sscard keys status|rotate|retire` as an operator runs them, with a key file for version 2."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from sscard.registry.imports import PersonSpec
from sscard.registry.tests.test_imports import idn, person_row, write_csv

pytestmark = pytest.mark.slow
PERSONS = 5


def _sscard(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SSCARD_")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.base", SSCARD_DATA_DIR=str(data_dir))
    return subprocess.run(
        [sys.executable, "-m", "sscard.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_rotate_then_retire_from_the_command_line(tmp_path: Path) -> None:
    # given a city set up with five persons, all under the first key
    assert _sscard(tmp_path, "setup", "--city", "beijing").returncode == 0
    rows = [person_row(idn(seq=f"{300 + i}"), phone=f"1390000000{i}") for i in range(PERSONS)]
    path = write_csv(tmp_path / "persons.csv", PersonSpec.columns, rows)
    imported = _sscard(tmp_path, "import", "persons", str(path), "--quiet")
    assert imported.returncode == 0, imported.stdout + imported.stderr
    # and a second key dropped in the data directory by the operator
    key = tmp_path / "keys" / "field-master.v2"
    key.write_text(secrets.token_hex(32))
    key.chmod(0o600)

    # when the operator looks, then the five persons are under v1 and behind the current v2
    status = _sscard(tmp_path, "keys", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "current: v2" in status.stdout
    assert "rows behind the current version: 5" in status.stdout
    # when they retire v1 too early, then it is refused, by name, and nothing changes
    early = _sscard(tmp_path, "keys", "retire", "--version", "1")
    assert early.returncode == 2
    assert "field_key_in_use" in early.stdout
    assert "sscard keys rotate" in early.stdout
    # when they rotate, then every value moves to v2
    rotated = _sscard(tmp_path, "keys", "rotate", "--quiet", "--chunk-rows", "2")
    assert rotated.returncode == 0, rotated.stdout + rotated.stderr
    assert f"rotated: {PERSONS} rows" in rotated.stdout
    # and v1 can be retired, and the status says so
    retired = _sscard(tmp_path, "keys", "retire", "--version", "1")
    assert retired.returncode == 0, retired.stdout + retired.stderr
    after = _sscard(tmp_path, "keys", "status")
    assert "retired: v1" in after.stdout
    assert "rows behind the current version: 0" in after.stdout
    # and the audit chain holds the rotation's and the retirement's events
    assert _sscard(tmp_path, "audit", "verify").returncode == 0

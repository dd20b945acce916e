"""Files at rest: after a full demo set-up every file under the data directory is its owner's
alone (files 0600, directories 0700), and no file holds an ID number in the clear but the
demo's own generated source file.

The exception, kept on purpose: ``demo/<city>-<n>/persons.csv`` is the synthetic population
the demo generates and imports; it is kept (0600, in a 0700 directory) so that running the
demo again does not generate it again. Nothing else — not the SQLite file (identifiers are
SM4-encrypted), the SMS outbox (masked phones, names), photos, keys, import reports — may
hold one.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from sscard.kernel import idnumber

pytestmark = pytest.mark.slow

ID_LIKE = re.compile(rb"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
ALLOWED_CLEAR = {Path("demo/beijing-1000/persons.csv")}


def _clear_id_numbers(data: bytes) -> int:
    """How many valid GB 11643 numbers (check digit right) the bytes hold in the clear."""
    found = 0
    for match in ID_LIKE.finditer(data):
        try:
            idnumber.parse(match.group().decode(), today=date(2100, 1, 1))
        except idnumber.IdNumberError:
            continue
        found += 1
    return found


def test_the_data_directory_after_a_demo_is_owner_only_and_holds_no_clear_ids(
    tmp_path: Path,
) -> None:
    # given a full demo set-up in a fresh data directory, from a permissive shell (umask 022)
    data = tmp_path / "data"
    env = dict(os.environ, SSCARD_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="config.settings.base")
    env.pop("SSCARD_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "sscard.cli", "demo", "--no-serve", "--persons", "1000"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    # when every file and directory under it is looked at
    loose: list[str] = []
    clear: dict[Path, int] = {}
    files = 0
    for path in [data, *data.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_dir():
            if mode != 0o700:
                loose.append(f"{oct(mode)} {path}")
            continue
        files += 1
        if mode != 0o600:
            loose.append(f"{oct(mode)} {path}")
        count = _clear_id_numbers(path.read_bytes())
        if count:
            clear[path.relative_to(data)] = count
    # then each is its owner's alone
    assert files > 10
    assert loose == []
    # and ID numbers in the clear are only in the demo's generated source file
    assert set(clear) == ALLOWED_CLEAR
    assert (data / "sscard.sqlite3").is_file()

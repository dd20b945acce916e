"""The test settings give each xdist worker a data directory of its own.

The workers inherit the controller's environment, and once shared its data directory: two
workers wrote a factory file of the same name (``batch-1-1.sm4``, each for its own database)
into one place, and one read the other's file, signed by another CA (the fuzz run failed with
``cert_issuer_mismatch``). The second half runs the settings in fresh interpreters, as xdist
starts its workers, so it holds whether or not this run is distributed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def test_this_worker_has_a_data_directory_of_its_own() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        assert Path(settings.DATA_DIR).name == worker
    assert os.environ["SSCARD_DATA_DIR"] == str(settings.DATA_DIR)


def _data_dir_of(worker: str, shared: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env |= {"SSCARD_DATA_DIR": str(shared), "PYTEST_XDIST_WORKER": worker}
    code = "import config.settings.test as s, os; print(s.DATA_DIR, os.environ['SSCARD_DATA_DIR'])"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_two_workers_sharing_the_controllers_directory_write_apart(tmp_path: Path) -> None:
    shared = tmp_path / "sscard-test-controller"
    shared.mkdir()

    first = _data_dir_of("gw0", shared)
    second = _data_dir_of("gw1", shared)
    # a process the worker starts inherits the worker's directory and keeps it
    child = _data_dir_of("gw0", shared / "gw0")

    assert first == f"{shared / 'gw0'} {shared / 'gw0'}"
    assert second == f"{shared / 'gw1'} {shared / 'gw1'}"
    assert child == first
    assert (shared / "gw0").is_dir()
    assert (shared / "gw1").is_dir()

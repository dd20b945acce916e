"""The vendored Apache ECharts is the release the npm lock pins, byte for byte.

``frontend/vendor.sh`` fetches the package with ``npm ci`` (which checks the tarball against the
lock's SHA-512), copies the prebuilt file and records its SHA-256 beside it; this test holds the
committed file to that record and the record to the lock, offline.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
VENDOR = ROOT / "sscard" / "portal" / "static" / "portal" / "vendor" / "echarts"


def _lock_entry() -> dict[str, str]:
    lock = json.loads((ROOT / "frontend" / "package-lock.json").read_text())
    entry: dict[str, str] = lock["packages"]["node_modules/echarts"]
    return entry


def test_the_committed_echarts_is_the_release_the_lock_pins():
    record = json.loads((VENDOR / "vendored.json").read_text())
    entry = _lock_entry()
    pinned = json.loads((ROOT / "frontend" / "package.json").read_text())["dependencies"]

    assert pinned["echarts"] == entry["version"] == record["version"]
    assert record["integrity"] == entry["integrity"]
    assert record["license"] == entry["license"] == "Apache-2.0"
    content = (VENDOR / record["file"]).read_bytes()
    assert hashlib.sha256(content).hexdigest() == record["sha256"]
    assert f'version="{record["version"]}"'.encode() in content


def test_the_licence_and_notice_travel_with_it():
    assert "Apache License" in (VENDOR / "LICENSE").read_text()
    assert "The Apache Software Foundation" in (VENDOR / "NOTICE").read_text()
    assert "Mike Bostock" in (VENDOR / "LICENSE-d3").read_text()  # d3, BSD 3-Clause

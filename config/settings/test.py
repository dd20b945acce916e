"""Settings for the test suite: keys are made fresh per process, data goes to a temp dir."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

_data = Path(os.environ.setdefault("SSCARD_DATA_DIR", tempfile.mkdtemp(prefix="sscard-test-")))
# xdist's workers inherit the controller's environment, and with it its data directory: two
# workers then wrote the same factory file name (batch-1-1.sm4, each on its own database) into one
# place, and one read the other's file, signed by another CA. Each worker gets a directory of its
# own (a subprocess a test starts inherits the worker's, so it is not nested again).
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker and _data.name != _worker:
    _data = _data / _worker
    _data.mkdir(mode=0o700, exist_ok=True)
    os.environ["SSCARD_DATA_DIR"] = str(_data)
os.environ.setdefault("SSCARD_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SSCARD_FIELD_KEY", secrets.token_hex(32))
os.environ.setdefault("SSCARD_AUDIT_KEY", secrets.token_hex(32))

from config.settings.base import *  # noqa: E402 (the environment above must be set first)
from config.settings.base import DATA_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SSCARD_REPORTS_DIR = Path(DATA_DIR) / "reports"
SSCARD_UPLOADS_DIR = Path(DATA_DIR) / "uploads"
SSCARD_IMPORT_CHUNK_ROWS = 500
WHITENOISE_AUTOREFRESH = True

# --- Notifications and background work ---
SSCARD_SMS_PROVIDER = "file"
SSCARD_SMS_FILE = Path(DATA_DIR) / "outbox" / "sms.jsonl"
SSCARD_PHOTOS_DIR = Path(DATA_DIR) / "photos"
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
# Work taken off the request runs at once: the tests read its result (tests/test_background_*
# prove the pool).
SSCARD_BACKGROUND = "inline"

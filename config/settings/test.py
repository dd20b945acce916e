"""Settings for the test suite: keys are made fresh per process, data goes to a temp dir."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

os.environ.setdefault("SSCARD_DATA_DIR", tempfile.mkdtemp(prefix="sscard-test-"))
os.environ.setdefault("SSCARD_SECRET_KEY", secrets.token_hex(32))
os.environ.setdefault("SSCARD_FIELD_KEY", secrets.token_hex(32))
os.environ.setdefault("SSCARD_AUDIT_KEY", secrets.token_hex(32))

from config.settings.base import *
from config.settings.base import DATA_DIR

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

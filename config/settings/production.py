"""Production settings: every secret and the database must come from the environment."""

from __future__ import annotations

import os

for _name in ("SSCARD_SECRET_KEY", "SSCARD_FIELD_KEY", "SSCARD_DATABASE_URL"):
    if not os.environ.get(_name):
        raise RuntimeError(f"{_name} must be set in production")

from config.settings.base import *  # noqa: E402

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True

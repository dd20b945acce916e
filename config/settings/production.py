"""Production settings: every secret and the database must come from the environment."""

from __future__ import annotations

import os

for _name in ("SSCARD_SECRET_KEY", "SSCARD_FIELD_KEY", "SSCARD_AUDIT_KEY", "SSCARD_DATABASE_URL"):
    if not os.environ.get(_name):
        raise RuntimeError(f"{_name} must be set in production")


def _refuse_weak_secret_key(name: str) -> None:
    """Django's own rule (``check --deploy``, security.W009): 50 characters, 5 distinct."""
    value = os.environ[name]
    if len(value) < 50 or len(set(value)) < 5 or value.startswith("django-insecure-"):
        raise RuntimeError(
            f"{name} is too weak for production: use at least 50 random characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )


def _refuse_weak_hex_key(name: str, nbytes: int, value: str | None = None) -> None:
    """A key of ``nbytes`` random bytes in hex: not short, not all zero, not a pattern.

    Random bytes repeat little: fewer than half of them distinct (a repeated or counting
    pattern, a typed phrase) happens by chance with a probability far below 1e-9.
    """
    value = os.environ.get(name, "") if value is None else value
    if not value:
        raise RuntimeError(f"{name} must be set in production")
    try:
        key = bytes.fromhex(value)
    except ValueError:
        key = b""
    if len(key) != nbytes:
        raise RuntimeError(f"{name} must be {nbytes} bytes in hex ({2 * nbytes} hex digits)")
    if not any(key):
        raise RuntimeError(f"{name} is all zero: make a random key (openssl rand -hex {nbytes})")
    if len(set(key)) < nbytes // 2:
        raise RuntimeError(
            f"{name} has too little entropy: make a random key (openssl rand -hex {nbytes})"
        )


_refuse_weak_secret_key("SSCARD_SECRET_KEY")
_refuse_weak_hex_key("SSCARD_FIELD_KEY", 32)
for _item in os.environ.get("SSCARD_FIELD_KEYS", "").split(","):  # "v2:hex,v3:hex"
    if _item.strip():
        _refuse_weak_hex_key("SSCARD_FIELD_KEYS", 32, _item.partition(":")[2].strip())
_refuse_weak_hex_key("SSCARD_AUDIT_KEY", 32)
# The SM4 key shared with the card factory: never made up on a production machine.
_refuse_weak_hex_key("SSCARD_FACTORY_KEY", 16)

from config.settings.base import *  # noqa: E402

DEBUG = False
SECURE_CONTENT_TYPE_NOSNIFF = True
# HTTPS only: plain HTTP is redirected, browsers are told to keep to HTTPS for a year (HSTS),
# and the session and CSRF cookies are sent over HTTPS alone (HttpOnly and SameSite: base).
SECURE_SSL_REDIRECT = os.environ.get("SSCARD_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("SSCARD_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# Behind a reverse proxy that ends TLS, trust its X-Forwarded-Proto (only then).
if os.environ.get("SSCARD_BEHIND_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

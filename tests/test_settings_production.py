"""Production settings refuse weak keys by name, and pass ``check --deploy`` (issue 10, 6).

Each case starts a fresh interpreter with ``config.settings.production`` and the environment
of a deployment, as a server would, with one setting made weak or left out.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SETUP = "import django; django.setup()"


def good_environment(data_dir: Path) -> dict[str, str]:
    """A deployment's environment with strong keys, and nothing of the test run's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SSCARD_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SSCARD_DATA_DIR=str(data_dir),
        SSCARD_DATABASE_URL=f"sqlite:///{data_dir / 'sscard.sqlite3'}",
        SSCARD_ALLOWED_HOSTS="sscard.example.cn",
        SSCARD_SECRET_KEY=secrets.token_urlsafe(50),
        SSCARD_FIELD_KEY=secrets.token_hex(32),
        SSCARD_AUDIT_KEY=secrets.token_hex(32),
        SSCARD_FACTORY_KEY=secrets.token_hex(16),
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_good_settings_start_and_check_deploy_reports_nothing(tmp_path: Path) -> None:
    env = good_environment(tmp_path)
    # when Django's deployment checklist runs on production settings with strong keys
    done = run(env, "manage.py", "check", "--deploy", "--fail-level", "DEBUG")
    # then it reports nothing at all, not even a warning
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."
    # and nothing was written to the data directory (keys come from the environment)
    assert list(tmp_path.iterdir()) == []


def test_production_sets_https_only_cookies_hsts_and_the_csp(tmp_path: Path) -> None:
    env = good_environment(tmp_path)
    done = run(
        env,
        "-c",
        SETUP
        + "; import json; from django.conf import settings as s; print(json.dumps({n: getattr(s, n)"
        " for n in ('DEBUG', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SESSION_COOKIE_SECURE',"
        " 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE',"
        " 'CONTENT_SECURITY_POLICY', 'MIDDLEWARE')}))",
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["DEBUG"] is False
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600
    assert found["SESSION_COOKIE_SECURE"] is True
    assert found["CSRF_COOKIE_SECURE"] is True
    assert found["SESSION_COOKIE_HTTPONLY"] is True
    assert found["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert "csp.middleware.CSPMiddleware" in found["MIDDLEWARE"]
    directives = found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]


WEAK = {
    "short secret key": ("SSCARD_SECRET_KEY", secrets.token_urlsafe(30)),
    "secret key of few characters": ("SSCARD_SECRET_KEY", "abab" * 20),
    "Django's placeholder secret key": (
        "SSCARD_SECRET_KEY",
        "django-insecure-" + secrets.token_urlsafe(50),
    ),
    "no secret key": ("SSCARD_SECRET_KEY", ""),
    "all-zero field key": ("SSCARD_FIELD_KEY", "00" * 32),
    "short field key": ("SSCARD_FIELD_KEY", secrets.token_hex(16)),
    "field key not in hex": ("SSCARD_FIELD_KEY", secrets.token_urlsafe(48)),
    "patterned field key": ("SSCARD_FIELD_KEY", "0123456789abcdef" * 4),
    "no field key": ("SSCARD_FIELD_KEY", ""),
    "all-zero further field key": (
        "SSCARD_FIELD_KEYS",
        f"v2:{secrets.token_hex(32)},v3:{'00' * 32}",
    ),
    "all-zero audit key": ("SSCARD_AUDIT_KEY", "00" * 32),
    "low-entropy audit key": ("SSCARD_AUDIT_KEY", "ab" * 31 + "cd"),
    "no audit key": ("SSCARD_AUDIT_KEY", ""),
    "no factory key": ("SSCARD_FACTORY_KEY", ""),
    "all-zero factory key": ("SSCARD_FACTORY_KEY", "00" * 16),
    "short factory key": ("SSCARD_FACTORY_KEY", secrets.token_hex(8)),
}


@pytest.mark.parametrize(("name", "value"), list(WEAK.values()), ids=list(WEAK))
def test_a_weak_or_missing_key_is_refused_by_name(tmp_path: Path, name: str, value: str) -> None:
    # given a deployment's environment with one key weak or missing
    env = good_environment(tmp_path)
    if value:
        env[name] = value
    else:
        del env[name]
    # when Django starts with production settings
    done = run(env, "-c", SETUP)
    # then it refuses, naming the variable, and makes up no key of its own
    assert done.returncode != 0
    assert name in done.stderr.splitlines()[-1], done.stderr
    assert not (tmp_path / "keys").exists()

"""Settings shared by every deployment of sscard.

Everything that differs between machines comes from the environment (``SSCARD_*``); see the
README's configuration table. The defaults give the embedded SQLite set-up that ``sscard demo``
uses, with its data directory under ``$XDG_DATA_HOME/sscard`` (``~/.local/share/sscard``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PACKAGE_DIR = BASE_DIR / "sscard"


def _data_dir() -> Path:
    explicit = os.environ.get("SSCARD_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "sscard"


DATA_DIR = _data_dir()
# Whatever the platform writes is for its own user only (files 0600, directories 0700): the
# SQLite file, import reports, the upload spool, the SMS outbox, photos and factory files hold
# personal data. Set once here, where every process (CLI, server, workers, tests) starts.
os.umask(0o077)


def _secret_from_file(name: str, nbytes: int) -> str:
    """Read a key from the data directory, creating it (mode 0600) on first use.

    Only the embedded set-up relies on this; production settings require the environment.
    """
    path = DATA_DIR / "keys" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_hex(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value


SECRET_KEY = os.environ.get("SSCARD_SECRET_KEY") or _secret_from_file("django-secret", 32)
# Master key for SM4 field encryption and the keyed SM3 lookup index (hex, 32 bytes).
SSCARD_FIELD_KEY = os.environ.get("SSCARD_FIELD_KEY") or _secret_from_file("field-master", 32)


def _field_keys() -> dict[int, str]:
    """Field master keys by version: ``SSCARD_FIELD_KEY`` (or ``keys/field-master``) is version
    1; ``SSCARD_FIELD_KEYS`` ("v2:hex,v1:hex") and files ``keys/field-master.vN`` add others.
    The highest version is the one new values are written under."""
    keys = {1: SSCARD_FIELD_KEY}
    for path in (DATA_DIR / "keys").glob("field-master.v*"):
        if path.name[len("field-master.v") :].isdigit():
            keys[int(path.name[len("field-master.v") :])] = path.read_text().strip()
    for item in os.environ.get("SSCARD_FIELD_KEYS", "").split(","):
        version, _, key = item.strip().partition(":")
        if key:
            keys[int(version.strip().lstrip("vV"))] = key.strip()
    return keys


SSCARD_FIELD_KEYS = _field_keys()
# Key of the audit chain's HMAC-SM3 links (hex, 32 bytes); kept out of the database.
SSCARD_AUDIT_KEY = os.environ.get("SSCARD_AUDIT_KEY") or _secret_from_file("audit-chain", 32)
# SM2 key (PEM) that signs audit checkpoints; created on first use (mode 0600) if missing.
SSCARD_AUDIT_SIGNING_KEY_FILE = Path(
    os.environ.get("SSCARD_AUDIT_SIGNING_KEY_FILE") or DATA_DIR / "keys" / "audit-signing"
)
# A signed checkpoint is written automatically every this many events (0: only on demand).
SSCARD_AUDIT_CHECKPOINT_EVERY = int(os.environ.get("SSCARD_AUDIT_CHECKPOINT_EVERY", "10000"))

DEBUG = os.environ.get("SSCARD_DEBUG", "0") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("SSCARD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "axes",
    "csp",
    "sscard.core",
    "sscard.notifications",
    "sscard.registry",
    "sscard.network",
    "sscard.campaigns",
    "sscard.applications",
    "sscard.cards",
    "sscard.production",
    "sscard.delivery",
    "sscard.reports",
    "sscard.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sscard.portal.middleware.ActorMiddleware",
    # Last, as django-axes asks: it turns a refused sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sscard.portal.context_processors.actor",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("SSCARD_DATABASE_URL")
    if url:
        # No persistent connections: under ASGI every request runs in a thread of its own,
        # and a kept connection per thread exhausts PostgreSQL's under load (Django's advice).
        # The hot path, card verification, has its own pool (config/fastverify.py).
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "sscard.sqlite3"}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing on a lock upgrade.
        config["OPTIONS"] = {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return config


def _replicas() -> dict[str, dict[str, object]]:
    """``SSCARD_DATABASE_REPLICAS`` (comma-separated URLs of PostgreSQL streaming replicas, each
    usually PgBouncer in transaction mode) as the aliases ``replica_1``, ``replica_2``, … that
    card verification and challenges read from (``sscard/core/replicas.py``)."""
    replicas: dict[str, dict[str, object]] = {}
    urls = [u.strip() for u in os.environ.get("SSCARD_DATABASE_REPLICAS", "").split(",")]
    for number, url in enumerate((u for u in urls if u), start=1):
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
        # Transaction pooling hands each transaction to any server connection: nothing may
        # outlive one, so no server-side cursors and no prepared statements (psycopg prepares
        # a query run five times unless told not to). A replica that does not answer within
        # two seconds is skipped, not waited for.
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        config["OPTIONS"] = {"prepare_threshold": None, "connect_timeout": 2}
        # Tests never create a database for it: it mirrors the primary.
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = config
    return replicas


DATABASES = {"default": _database(), **_replicas()}
# A replica lagging the primary by more than this (seconds) is not read: a card reported lost
# is never answered valid from a replica for longer. Chosen: 5 s, a terminal's retry.
SSCARD_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("SSCARD_REPLICA_MAX_LAG_SECONDS", "5"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Sign-in that resists guessing (django-axes) ---
# Failed sign-ins are counted per account and, separately, per address (with failed API
# tokens); at the limit either is refused until the cool-off has passed since its last failure.
SSCARD_LOGIN_FAILURE_LIMIT = int(os.environ.get("SSCARD_LOGIN_FAILURE_LIMIT", "5"))
SSCARD_LOGIN_COOLOFF_MINUTES = int(os.environ.get("SSCARD_LOGIN_COOLOFF_MINUTES", "15"))
# Unknown API tokens an address may present within the cool-off (terminals behind one
# address share it, and a mistyped token in one of them should not stop the others at once).
SSCARD_TOKEN_FAILURE_LIMIT = int(os.environ.get("SSCARD_TOKEN_FAILURE_LIMIT", "20"))
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = "sscard.portal.auth.failure_limit"
AXES_LOCKOUT_PARAMETERS = "sscard.portal.auth.lockout_parameters"
AXES_COOLOFF_TIME = "sscard.portal.auth.cool_off"  # SSCARD_LOGIN_COOLOFF_MINUTES
AXES_LOCKOUT_CALLABLE = "sscard.portal.views.signin_locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# The address is the connection's (REMOTE_ADDR): a header could be forged by the guesser.
AXES_CLIENT_IP_CALLABLE = "sscard.portal.auth.client_address"
# Sessions end with the working day and with the browser; cookies are out of scripts' reach.
SESSION_COOKIE_AGE = int(os.environ.get("SSCARD_SESSION_HOURS", "10")) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages carry the token in their forms and htmx headers
CSRF_COOKIE_SAMESITE = "Lax"

# --- Content-Security-Policy (django-csp), enforced everywhere so tests prove the pages keep
# it: no inline script and no eval; scripts, styles, images and fonts from this server alone.
# Style attributes are allowed (style-src-attr): the bars of reports and progress meters are
# sized from data in them, and an attribute cannot run script; <style> elements are refused.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the installed package in the embedded set-up: no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SSCARD_REPORTS_DIR = DATA_DIR / "reports"
SSCARD_UPLOADS_DIR = DATA_DIR / "uploads"
# Rows handled per set-based step of a bulk import.
SSCARD_IMPORT_CHUNK_ROWS = int(os.environ.get("SSCARD_IMPORT_CHUNK_ROWS", "20000"))
# Worker processes that prepare rows (validation, SM4, SM3) while the parent writes; files
# smaller than SSCARD_IMPORT_PARALLEL_MIN_BYTES are prepared inline.
SSCARD_IMPORT_WORKERS = int(os.environ.get("SSCARD_IMPORT_WORKERS", "1"))
SSCARD_IMPORT_PARALLEL_MIN_BYTES = int(
    os.environ.get("SSCARD_IMPORT_PARALLEL_MIN_BYTES", str(8 * 1024 * 1024))
)
# A running import whose heartbeat (one per committed chunk) is older than this was killed.
SSCARD_IMPORT_STALE_SECONDS = int(os.environ.get("SSCARD_IMPORT_STALE_SECONDS", "900"))
SSCARD_MAX_UPLOAD_BYTES = int(os.environ.get("SSCARD_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SSCARD_LOG_LEVEL", "WARNING")},
}

# --- Notifications and background work ---
# Where SMS go: "file" (JSON lines with masked phones, the embedded default), "console" (the
# log), or "http" (a gateway: SSCARD_SMS_URL, with SSCARD_SMS_TOKEN as a bearer token).
SSCARD_SMS_PROVIDER = os.environ.get("SSCARD_SMS_PROVIDER", "file")
SSCARD_SMS_FILE = Path(os.environ.get("SSCARD_SMS_FILE") or DATA_DIR / "outbox" / "sms.jsonl")
SSCARD_SMS_URL = os.environ.get("SSCARD_SMS_URL", "")
SSCARD_SMS_TOKEN = os.environ.get("SSCARD_SMS_TOKEN", "")
SSCARD_SMS_TIMEOUT = float(os.environ.get("SSCARD_SMS_TIMEOUT", "10"))
# Tries before a message that keeps failing temporarily is given up as failed.
SSCARD_SMS_MAX_ATTEMPTS = int(os.environ.get("SSCARD_SMS_MAX_ATTEMPTS", "6"))
# Card photos, stored under their SM3 digest (a shared volume when there are several machines).
SSCARD_PHOTOS_DIR = Path(os.environ.get("SSCARD_PHOTOS_DIR") or DATA_DIR / "photos")
# Where shared photos (ID card, electronic student card) come from: a PhotoSource class.
SSCARD_PHOTO_SOURCE = os.environ.get(
    "SSCARD_PHOTO_SOURCE", "sscard.applications.photos.DemoPhotoSource"
)

# Celery. Without a broker the tasks run in-process when they are queued (the embedded set-up);
# with one (redis://…, amqp://…) they go to workers, unless SSCARD_TASKS_EAGER=1.
SSCARD_BROKER_URL = os.environ.get("SSCARD_BROKER_URL", "")
CELERY_BROKER_URL = SSCARD_BROKER_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = (
    os.environ.get("SSCARD_TASKS_EAGER", "0" if SSCARD_BROKER_URL else "1") == "1"
)
CELERY_TASK_IGNORE_RESULT = True
# Work a page starts (imports, personalisation) when no broker takes it: "thread", a managed
# pool of threads inside the server process (sscard/core/background.py), or "inline", at once
# in the caller (the tests, which need the result).
SSCARD_BACKGROUND = os.environ.get("SSCARD_BACKGROUND", "thread")
SSCARD_BACKGROUND_THREADS = int(os.environ.get("SSCARD_BACKGROUND_THREADS", "2"))
# How long a stopping server waits for running work to reach a safe point (an import's next
# chunk); what is left is resumed by the next start.
SSCARD_BACKGROUND_GRACE_SECONDS = float(os.environ.get("SSCARD_BACKGROUND_GRACE_SECONDS", "10"))
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Messages whose retry has fallen due, or that a broker outage left queued.
    "outbox-send-due": {"task": "sscard.notifications.send_due", "schedule": 60.0},
    # Tomorrow's booked visits (SH-10), each reminded once: hourly in the daytime (no texts at
    # night), each run picking up the bookings made since the one before.
    "booking-reminders": {
        "task": "sscard.network.booking_reminders",
        "schedule": crontab(minute=5, hour="9-19"),
    },
    # Cards running out within their pack's notice period (到期换卡): each holder told once, by
    # day (no texts at night).
    "card-renewal-notices": {
        "task": "sscard.cards.renewal_notices",
        "schedule": crontab(minute=15, hour=10),
    },
}
LOGGING["loggers"] = {
    "sscard.notifications.sms": {"level": "INFO"},
    # The in-process broker of the embedded set-up has no host name, and kombu says so on
    # every connection.
    "kombu.connection": {"level": "ERROR"},
}

# --- Card production ---
# The SM4 key (16 bytes, hex) the card factory shares with the production centre: the batch
# files sent to the factory are encrypted with it.
SSCARD_FACTORY_KEY = os.environ.get("SSCARD_FACTORY_KEY") or _secret_from_file(
    "factory-transport", 16
)
# Who the card scheme's certificate authorities are issued to (the certificates' O=).
SSCARD_CA_ORGANIZATION = os.environ.get("SSCARD_CA_ORGANIZATION", "社会保障卡发卡机构")
# The largest production batch; a day's applications of one channel beyond it are split.
SSCARD_BATCH_MAX_CARDS = int(os.environ.get("SSCARD_BATCH_MAX_CARDS", "100000"))
# Cards personalised per transaction: a killed worker loses at most one chunk's work (500
# cards: under half a second), and the chunk's fixed costs (claim, COPY, audit, commit) are
# spread thin (one worker: 0.39 of OpenSSL's sign rate with 200, 0.42 with 500).
SSCARD_PERSONALISE_CHUNK = int(os.environ.get("SSCARD_PERSONALISE_CHUNK", "500"))
# Tasks queued per batch: each takes chunks until none is left, so as many workers as there
# are tasks share one batch.
SSCARD_PERSONALISE_TASKS = int(os.environ.get("SSCARD_PERSONALISE_TASKS", "4"))
# Where card-factory files and their manifests are written (a shared volume in production).
SSCARD_FACTORY_DIR = Path(os.environ.get("SSCARD_FACTORY_DIR") or DATA_DIR / "factory")

# --- Card verification (config/fastverify.py, PostgreSQL) ---
# Connections of the lean verification route's async pool, per server process.
SSCARD_VERIFY_POOL_SIZE = int(os.environ.get("SSCARD_VERIFY_POOL_SIZE", "4"))
# How long that route trusts a token it has looked up: a revoked token stops working within it.
SSCARD_TOKEN_CACHE_SECONDS = float(os.environ.get("SSCARD_TOKEN_CACHE_SECONDS", "5"))
# Verification's covering indexes (``card_verification``, ``person_verification``) INCLUDE the
# columns it reads on PostgreSQL; SQLite, which cannot, indexes their keys alone, as meant. Its
# warning saying so (models.W040) would otherwise print on every migrate there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Disclosures (every counter lookup is an access event in the audit trail) ---
# Lookups of other people's records per clerk and per outlet in any hour, counted in the
# database so that every server process shares them; beyond them a lookup answers 429.
SSCARD_LOOKUP_LIMIT_PER_CLERK = int(os.environ.get("SSCARD_LOOKUP_LIMIT_PER_CLERK", "120"))
SSCARD_LOOKUP_LIMIT_PER_OUTLET = int(os.environ.get("SSCARD_LOOKUP_LIMIT_PER_OUTLET", "1000"))

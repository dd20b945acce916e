"""The Celery application: background work on a broker, or in-process in the embedded set-up.

Settings prefixed ``CELERY_`` configure it (see the notifications block of
``config/settings/base.py``): the broker comes from ``SSCARD_BROKER_URL``; without one, tasks
run eagerly in the process that queues them, so ``sscard demo`` needs no broker and no worker.
Production runs ``celery -A config worker`` (and ``celery -A config beat`` for retries).
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("sscard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

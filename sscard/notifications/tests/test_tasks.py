"""The Celery task: in-process in the embedded set-up, and through Redis to a real worker."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.db import transaction

from config.celery import app as project_app
from sscard.core.actors import Actor
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue
from sscard.notifications.tasks import send_due
from sscard.notifications.tests.support import read_lines

REDIS_URL = "redis://127.0.0.1:6379/0"
# generous: a message takes milliseconds; a machine busy with parallel tests may take seconds
DELIVERY_DEADLINE = 30.0
TEXT = "您的社会保障卡已制作完成，请到工商银行西城支行领取。"


def _queue(phone: str = "13912345678") -> OutboxMessage:
    with transaction.atomic():
        message = message_queue(
            actor=Actor.system("test"), phone=phone, text=TEXT, template_key="card_ready"
        )
    assert message is not None
    return message


def test_the_project_app_reads_the_settings_and_knows_the_task(settings):
    assert project_app.conf.broker_url == "memory://"
    assert project_app.conf.task_always_eager is True
    assert "sscard.notifications.send_due" in project_app.tasks
    assert "outbox-send-due" in project_app.conf.beat_schedule


@pytest.mark.django_db
def test_the_task_sends_what_is_due_in_process(sms_file):
    first = _queue("13900000001")
    second = _queue("13900000002")
    assert send_due.delay().get() == 2
    assert [line["id"] for line in read_lines(sms_file)] == [first.pk, second.pk]


@pytest.fixture
def redis_app():
    """A Celery app like the project's, on Redis, with a queue of this test's own."""
    queue = f"sscard-test-{uuid.uuid4().hex}"
    app = Celery("sscard-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        task_default_queue=queue,
        worker_hijack_root_logger=False,
        worker_enable_remote_control=False,
        broker_connection_retry_on_startup=False,
    )
    try:
        yield app
    finally:
        project_app.set_current()
        project_app.set_default()
        app.close()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{queue}*"):
            client.delete(key)
        client.close()


def _delivered(path: Path) -> bool:
    """Whether the file provider has written a whole line (one ``write`` per message)."""
    return path.exists() and path.read_bytes().endswith(b"\n")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_on_redis_delivers_a_queued_message(redis_app, sms_file):
    # given a worker consuming from Redis (tasks are not eager here)
    with start_worker(redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        # when a change commits with a message
        message = _queue()
        # then the commit hook sent the task through Redis, and the worker delivered it.
        # While the worker runs, the test watches the provider's file, never the outbox table:
        # on SQLite the test database is one shared in-memory cache, where a read of a table
        # the worker is writing (its claim, its result) fails at once, "database table is
        # locked", instead of waiting; a worker slowed down by a loaded machine holds those
        # writes long enough for a poll to land in one.
        deadline = time.monotonic() + DELIVERY_DEADLINE
        while not _delivered(sms_file):
            assert time.monotonic() < deadline, (
                f"no message delivered within {DELIVERY_DEADLINE:.0f}s of its commit "
                f"(Redis at {REDIS_URL}, queue {redis_app.conf.task_default_queue})"
            )
            time.sleep(0.05)
    # and once the worker has stopped (its task finished: a solo worker runs it to the end
    # first), the outbox records the message as sent, once
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider) == (OutboxStatus.SENT, 1, "file")
    assert [line["id"] for line in read_lines(sms_file)] == [message.pk]


@pytest.mark.django_db
def test_the_outbox_send_command_sends_what_is_due(sms_file):
    from io import StringIO

    from django.core.management import call_command

    messages = [_queue(f"1390000000{n}") for n in range(3)]
    out = StringIO()
    call_command("outbox_send", "--batch", "2", stdout=out)
    assert out.getvalue().strip() == "sent 3, to retry 0, failed 0"
    assert [line["id"] for line in read_lines(sms_file)] == [m.pk for m in messages]

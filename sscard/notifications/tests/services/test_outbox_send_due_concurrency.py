"""Two senders at once never send one message twice (PostgreSQL: row locks, SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from sscard.core.actors import Actor
from sscard.notifications import services
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.providers import SendResult
from sscard.notifications.services import message_queue, outbox_send_due

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: concurrent senders take rows with FOR UPDATE SKIP LOCKED"
    ),
    pytest.mark.django_db(transaction=True),
]
MESSAGES = 120


class Counting:
    """A slow provider shared by both senders; counts sends per message."""

    name = "counting"

    def __init__(self) -> None:
        self.sends: Counter[int] = Counter()
        self.by_thread: Counter[str] = Counter()
        self.lock = threading.Lock()

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        time.sleep(0.002)  # long enough for the other sender to come in between
        with self.lock:
            self.sends[message.pk] += 1
            self.by_thread[threading.current_thread().name] += 1
        return SendResult.sent()


def test_two_concurrent_senders_send_every_message_exactly_once(sms_file, monkeypatch):
    # given a full outbox (and no in-process sender kicked by the commit)
    monkeypatch.setattr(services, "_kick_sender", lambda: None)
    with transaction.atomic():
        for n in range(MESSAGES):
            message_queue(
                actor=Actor.system("test"),
                phone=f"1370000{n:04d}",
                text="您的社会保障卡已制作完成，请到工商银行西城支行领取。",
                template_key="card_ready",
            )
    provider = Counting()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            while outbox_send_due(limit=10, provider=provider).picked:
                pass
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    # when two senders work the outbox at the same time
    threads = [threading.Thread(target=sender, name=f"sender-{i}") for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # then every message went out once, and both senders did part of the work
    assert errors == []
    assert len(provider.sends) == MESSAGES
    assert set(provider.sends.values()) == {1}
    assert len(provider.by_thread) == 2
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == MESSAGES
    assert set(OutboxMessage.objects.values_list("attempts", flat=True)) == {1}


def test_a_sender_skips_the_rows_another_sender_holds_instead_of_waiting(sms_file, monkeypatch):
    # given four queued messages, the first two held by another sender's open claim
    monkeypatch.setattr(services, "_kick_sender", lambda: None)
    with transaction.atomic():
        for n in range(4):
            message_queue(
                actor=Actor.system("test"),
                phone=f"1370000{n:04d}",
                text="您的社会保障卡已制作完成，请到工商银行西城支行领取。",
                template_key="card_ready",
            )
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    provider = Counting()
    done = threading.Event()
    queries: list[str] = []

    def second_sender() -> None:
        try:
            with CaptureQueriesContext(connections["default"]) as captured:
                outbox_send_due(provider=provider)
            queries.extend(q["sql"] for q in captured)
            done.set()
        finally:
            connections.close_all()

    with transaction.atomic():
        list(OutboxMessage.objects.filter(pk__in=ids[:2]).select_for_update())
        # when a second sender runs meanwhile
        thread = threading.Thread(target=second_sender)
        thread.start()
        # then it does not wait for the first: it takes the other two and sends them
        assert done.wait(timeout=10), "the second sender waited for the locked rows"
    thread.join(timeout=10)
    assert sorted(provider.sends) == ids[2:]
    assert any("FOR UPDATE" in sql and "SKIP LOCKED" in sql for sql in queries)
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == ["queued", "queued", "sent", "sent"]

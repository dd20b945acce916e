"""outbox_send_due: due messages go out oldest first; failures are retried with back-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from sscard.core.actors import Actor
from sscard.core.models import AuditEvent
from sscard.notifications import services
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.providers import SendResult
from sscard.notifications.services import message_queue, outbox_send_due, retry_delay
from sscard.notifications.tests.support import Reply, read_lines

pytestmark = pytest.mark.django_db
ACTOR = Actor.system("test")
TEXT = "您的社会保障卡已制作完成，请到工商银行西城支行领取。"


def _queue(n: int = 1) -> list[OutboxMessage]:
    messages = []
    with transaction.atomic():
        for i in range(n):
            message = message_queue(
                actor=ACTOR, phone=f"1390000{i:04d}", text=f"{TEXT}{i}", template_key="card_ready"
            )
            assert message is not None
            messages.append(message)
    return messages


class Recording:
    """A provider that answers from a script and remembers whom it sent what."""

    name = "recording"

    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.calls: list[tuple[int, str]] = []

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        self.calls.append((message.pk, phone))
        return self.results.pop(0) if self.results else SendResult.sent(f"r-{message.pk}")


def test_retry_delays_double_from_a_minute_and_stop_at_an_hour():
    assert [retry_delay(n).total_seconds() for n in range(1, 9)] == [
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]


def test_due_messages_are_sent_oldest_first_up_to_the_limit(sms_file):
    # given three queued messages
    first, second, third = _queue(3)
    provider = Recording()
    # when the sender runs with room for two
    summary = outbox_send_due(limit=2, provider=provider)
    # then the two oldest went out, each to its own phone, decrypted just for the call
    assert provider.calls == [(first.pk, "13900000000"), (second.pk, "13900000001")]
    assert summary.picked == 2
    assert summary.sent == [first.pk, second.pk]
    for message in (first, second):
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENT
        assert message.attempts == 1
        assert message.provider == "recording"
        assert message.provider_message_id == f"r-{message.pk}"
        assert message.sent_at is not None
    third.refresh_from_db()
    assert third.status == OutboxStatus.QUEUED
    # and one audit event records the batch
    event = AuditEvent.objects.get(action="outbox_send")
    assert event.changes["sent"] == [first.pk, second.pk]
    assert event.actor_label == "outbox-sender"


def test_a_message_not_yet_due_waits(sms_file):
    (message,) = _queue()
    summary = outbox_send_due(now=message.next_attempt_at - timedelta(seconds=1))
    assert summary.picked == 0
    assert not AuditEvent.objects.filter(action="outbox_send").exists()


def test_the_configured_provider_is_used_by_default(sms_file):
    (message,) = _queue()
    outbox_send_due()
    assert [line["id"] for line in read_lines(sms_file)] == [message.pk]


def test_a_gateway_error_is_retried_with_back_off_and_then_sent(gateway):
    # given a gateway that fails once with 500, then accepts
    gateway.answer(Reply(500, b"{}"), Reply(200, b'{"message_id": "gw-7"}'))
    (message,) = _queue()
    now = timezone.now()
    # when the sender runs
    summary = outbox_send_due(now=now)
    # then the message waits for its retry, a minute later
    assert summary.retrying == [message.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.QUEUED
    assert message.attempts == 1
    assert message.last_error == "http_500"
    assert message.next_attempt_at == now + timedelta(seconds=60)
    # and is not tried before then
    assert outbox_send_due(now=now + timedelta(seconds=59)).picked == 0
    # and is sent when the sender runs after it
    summary = outbox_send_due(now=now + timedelta(seconds=60))
    assert summary.sent == [message.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert message.provider == "http"
    assert message.provider_message_id == "gw-7"
    assert message.last_error == ""
    assert len(gateway.requests) == 2
    assert {r["json"]["id"] for r in gateway.requests} == {str(message.pk)}


def test_a_4xx_from_the_gateway_fails_the_message_at_once(gateway):
    gateway.answer(Reply(400, b'{"error": "invalid"}'))
    (message,) = _queue()
    summary = outbox_send_due()
    assert summary.failed == [message.pk]
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 1
    assert message.last_error == "http_400"
    assert outbox_send_due(now=timezone.now() + timedelta(days=1)).picked == 0


def test_a_gateway_time_out_is_temporary(gateway):
    gateway.answer(Reply(200, delay=2.0))
    (message,) = _queue()
    now = timezone.now()
    assert outbox_send_due(now=now).retrying == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboxStatus.QUEUED, "timeout")
    assert message.next_attempt_at == now + timedelta(seconds=60)


def test_a_message_that_keeps_failing_fails_after_the_last_attempt(sms_file, settings):
    settings.SSCARD_SMS_MAX_ATTEMPTS = 3
    (message,) = _queue()
    provider = Recording(*[SendResult.temporary("http_503")] * 5)
    now = timezone.now()
    outcomes = []
    for _ in range(3):
        summary = outbox_send_due(now=now, provider=provider)
        outcomes.append((summary.retrying, summary.failed))
        now += timedelta(hours=1)
    assert outcomes == [([message.pk], []), ([message.pk], []), ([], [message.pk])]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        OutboxStatus.FAILED,
        3,
        "http_503",
    )
    assert len(provider.calls) == 3


def test_a_provider_that_raises_is_a_temporary_failure_and_leaves_nothing_sending(sms_file):
    class Broken:
        name = "broken"

        def send(self, message: OutboxMessage, phone: str) -> SendResult:
            raise ValueError(f"cannot send to {phone}")

    (message,) = _queue()
    summary = outbox_send_due(provider=Broken())
    assert summary.retrying == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboxStatus.QUEUED, "provider_error")


def test_a_message_left_sending_by_a_dead_sender_is_tried_again_after_its_lease(sms_file):
    # given a message a sender claimed and never recorded (it died mid-call)
    (message,) = _queue()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=1, next_attempt_at=now + services.SENDING_LEASE
    )
    provider = Recording()
    # then it is left alone while the lease runs
    assert outbox_send_due(now=now, provider=provider).picked == 0
    # and tried again once it has run out
    summary = outbox_send_due(now=now + services.SENDING_LEASE, provider=provider)
    assert summary.sent == [message.pk]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


def test_a_lost_message_that_used_up_its_attempts_fails(sms_file, settings):
    settings.SSCARD_SMS_MAX_ATTEMPTS = 2
    (message,) = _queue()
    now = timezone.now()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxStatus.SENDING, attempts=2, next_attempt_at=now
    )
    provider = Recording()
    summary = outbox_send_due(now=now, provider=provider)
    assert summary.failed == [message.pk]
    assert provider.calls == []
    message.refresh_from_db()
    assert (message.status, message.last_error) == (OutboxStatus.FAILED, "sender_lost")


def test_a_sender_out_of_lease_time_gives_the_rest_back_untried(sms_file, monkeypatch):
    # given a sender whose lease leaves it no time to start a send
    monkeypatch.setattr(services, "SENDING_LEASE", services.LEASE_MARGIN - timedelta(seconds=1))
    messages = _queue(2)
    provider = Recording()
    summary = outbox_send_due(provider=provider)
    # then it sends nothing and hands the messages back, their attempt not counted
    assert provider.calls == []
    assert summary.released == [m.pk for m in messages]
    for message in messages:
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxStatus.QUEUED, 0)


def test_the_sender_must_not_run_inside_a_transaction(sms_file):
    _queue()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_send_due()


def test_a_limit_below_one_is_refused():
    with pytest.raises(ValueError, match="limit"):
        outbox_send_due(limit=0)


class Dies(Recording):
    """Sends until its ``n``-th message, where the process dies (not an error it answers)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        if len(self.calls) + 1 == self.n:
            raise SystemExit("killed")
        return super().send(message, phone)


def test_a_sender_that_dies_keeps_the_results_of_its_committed_groups_and_resends_the_rest(
    sms_file,
):
    # given more messages than a group, and a sender that dies within its second group
    group = services.RECORD_GROUP
    messages = _queue(group + 5)
    now = timezone.now()
    with pytest.raises(SystemExit):
        outbox_send_due(now=now, provider=Dies(group + 3), limit=group + 5)
    # then the first group's results are kept; the rest are still the dead sender's
    statuses = dict(OutboxMessage.objects.values_list("pk", "status"))
    assert [statuses[m.pk] for m in messages[:group]] == [OutboxStatus.SENT] * group
    assert {statuses[m.pk] for m in messages[group:]} == {OutboxStatus.SENDING}
    # and after the lease they go again: the two sent but unrecorded, a second time
    provider = Recording()
    summary = outbox_send_due(now=now + services.SENDING_LEASE, provider=provider)
    assert summary.sent == [m.pk for m in messages[group:]]
    assert OutboxMessage.objects.exclude(status=OutboxStatus.SENT).count() == 0

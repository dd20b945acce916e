"""message_queue_many: the same text to many people, set-based, checked once, kicked once."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.crypto import PHONE, field_cipher
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications import services
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue_many, recipient_for_phone

ACTOR = Actor.system("test")
TEXT = (
    "某单位已为您申请第三代社会保障卡，"
    "请通过北京市人力资源和社会保障局官方网站或京通小程序确认个人制卡信息。"
)


@pytest.mark.django_db
def test_many_messages_are_written_with_one_audit_event_and_one_kick(
    django_capture_on_commit_callbacks, monkeypatch
):
    kicks: list[int] = []
    monkeypatch.setattr(services, "_kick_sender", lambda: kicks.append(1))
    recipients = [recipient_for_phone(f"1380000{n:04d}", person_id=n) for n in range(300)]
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        count = message_queue_many(
            actor=ACTOR, recipients=recipients, text=TEXT, template_key="confirm_request"
        )
    assert count == 300
    assert OutboxMessage.objects.count() == 300
    assert AuditEvent.objects.count() == events + 1
    assert kicks == [1]
    message = OutboxMessage.objects.get(person_id=7)
    assert message.phone_masked == "*******0007"
    assert field_cipher().decrypt(bytes(message.phone_enc), field=PHONE) == "13800000007"


@pytest.mark.django_db
def test_a_text_with_a_link_is_refused_before_anything_is_queued():
    recipients = [recipient_for_phone("13800000001")]
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        message_queue_many(
            actor=ACTOR,
            recipients=recipients,
            text="请点击 http://example.com 确认制卡信息。",
            template_key="confirm_request",
        )
    assert refused.value.code == "message_contains_link"
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize("phone", ["12800000000", "1380000000", "+8613800000000", "abc"])
def test_a_phone_that_is_not_a_mainland_mobile_is_refused(phone):
    with pytest.raises(ApplicationError) as refused:
        recipient_for_phone(phone)
    assert refused.value.code == "phone_invalid"


@pytest.mark.django_db(transaction=True)
def test_it_must_run_inside_the_transaction_of_the_change():
    with pytest.raises(RuntimeError):
        message_queue_many(actor=ACTOR, recipients=[], text=TEXT, template_key="x")

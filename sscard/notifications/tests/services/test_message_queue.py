"""message_queue: a message is written with the change that causes it, or not at all (BJ-13)."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.core.crypto import PHONE, field_cipher, phone_index
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue
from sscard.notifications.tests.support import read_lines
from sscard.registry.models import Person
from sscard.testing.factories import PersonFactory

ACTOR = Actor.system("test")
PHONE_NUMBER = "13812345678"
READY = "您的社会保障卡已制作完成，请携带本人有效身份证件到西城区第一社区事务受理中心领取。"


def _queue(
    text: str = READY, phone: str | None = PHONE_NUMBER, person_id: int | None = None, **kw: str
) -> OutboxMessage | None:
    return message_queue(
        actor=ACTOR, phone=phone, text=text, template_key="card_ready", person_id=person_id, **kw
    )


@pytest.mark.django_db
def test_the_message_is_queued_with_its_phone_encrypted_indexed_and_masked(
    django_capture_on_commit_callbacks,
):
    # given a change in a transaction
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        # when it queues a message
        message = _queue(person_id=42, pack_hash="ab" * 32)
    # then the row holds the phone only encrypted, indexed and masked
    assert message is not None
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.status == OutboxStatus.QUEUED
    assert row.attempts == 0
    assert row.next_attempt_at == row.created_at
    assert row.phone_masked == "*******5678"
    assert bytes(row.phone_index) == phone_index(PHONE_NUMBER)
    assert PHONE_NUMBER.encode() not in bytes(row.phone_enc)
    assert field_cipher().decrypt(bytes(row.phone_enc), field=PHONE) == PHONE_NUMBER
    assert (row.person_id, row.template_key, row.text) == (42, "card_ready", READY)
    # and its audit event was written in the same transaction, without the phone
    event = AuditEvent.objects.get(action="message_queue", object_id=str(row.pk))
    assert event.changes["phone"] == "*******5678"
    assert event.pack_hash == "ab" * 32
    assert PHONE_NUMBER not in str(event.changes)
    # and the sender is kicked once the transaction commits
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_many_messages_in_one_transaction_kick_the_sender_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for n in range(20):
            _queue(phone=f"139{n:08d}")
    assert OutboxMessage.objects.count() == 20
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_a_message_queued_in_a_rolled_back_savepoint_is_gone_and_the_next_one_still_kicks(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                _queue()
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass
        _queue(phone="13900000001")
    assert list(OutboxMessage.objects.values_list("phone_masked", flat=True)) == ["*******0001"]
    assert len(callbacks) == 1


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_sends_its_message_in_process(sms_file):
    # given the embedded set-up (tasks run eagerly) and a change that commits
    with transaction.atomic():
        person = PersonFactory.create(phone=PHONE_NUMBER)
        message = _queue(person_id=person.pk)
    # then the sender ran after the commit and the message went out
    assert message is not None
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.provider == "file"
    lines = read_lines(sms_file)
    assert [(line["id"], line["phone"], line["text"]) for line in lines] == [
        (message.pk, "*******5678", READY)
    ]
    assert PHONE_NUMBER not in sms_file.read_text(encoding="utf-8")


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_leaves_no_message_and_sends_nothing(sms_file):
    # given a change that queues a message and then fails
    def change() -> None:
        with transaction.atomic():
            PersonFactory.create(phone=PHONE_NUMBER)
            _queue()
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change()
    # then nothing was queued, and nothing was sent
    assert not Person.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(action="message_queue").exists()
    assert read_lines(sms_file) == []


@pytest.mark.django_db(transaction=True)
def test_queueing_outside_a_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        _queue()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code", "rule"),
    [
        (
            "您的社保卡已制作完成，请点击 http://sb-card.cn/a 查看领取网点。",
            "message_contains_link",
            "link",
        ),
        ("您的社保卡已制作完成，详见 t.cn/A6xyz。", "message_contains_link", "short_link"),
        ("请回复您的银行卡密码以激活社保卡金融功能。", "message_requests_secret", "asks_password"),
        ("请提供银行卡号以便发放补贴。", "message_requests_secret", "asks_account_number"),
        ("为完成启用，请回复短信验证码。", "message_requests_secret", "asks_verification_code"),
    ],
)
def test_a_text_with_a_link_or_a_request_for_a_secret_is_refused_and_nothing_is_queued(
    text, code, rule, caplog, django_capture_on_commit_callbacks
):
    # given a change in progress that would tell the person with a fraud-like text
    before = AuditEvent.objects.count()

    def change() -> None:
        with transaction.atomic():
            PersonFactory.create(phone=PHONE_NUMBER)
            _queue(text=text)

    with (
        django_capture_on_commit_callbacks() as callbacks,
        caplog.at_level(logging.WARNING, logger="sscard.notifications"),
        pytest.raises(ApplicationError) as refused,
    ):
        change()
    # then the refusal carries the rule's code, and the whole change rolled back
    assert refused.value.code == code
    assert refused.value.details["rule"] == rule
    assert not OutboxMessage.objects.exists()
    assert not Person.objects.exists()
    assert AuditEvent.objects.count() == before
    assert callbacks == []
    # and the log names the rule and code, never the phone
    logged = caplog.text
    assert rule in logged
    assert code in logged
    assert PHONE_NUMBER not in logged


@pytest.mark.django_db
def test_a_warning_against_fraud_is_not_a_request():
    with transaction.atomic():
        message = _queue(
            text="人社部门和银行不会以任何理由索要您的密码或验证码，请勿向任何人提供验证码。"
        )
    assert message is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone", ["12345678901", "1381234567", "138123456789", "+8613812345678", "0101234567x"]
)
def test_a_phone_that_is_not_a_mainland_mobile_is_refused(phone):
    with pytest.raises(ApplicationError) as refused, transaction.atomic():
        _queue(phone=phone)
    assert refused.value.code == "phone_invalid"
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("phone", [None, "", "  "])
def test_a_person_without_a_phone_gets_no_message(phone):
    with transaction.atomic():
        assert _queue(phone=phone) is None
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_rows_repr_shows_the_phone_masked():
    with transaction.atomic():
        message = _queue()
    assert message is not None
    assert "*******5678" in repr(message)
    assert PHONE_NUMBER not in repr(message)
    assert PHONE_NUMBER not in str(message)

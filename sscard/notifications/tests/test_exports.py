"""The SMS outbox as a spreadsheet: its status filter, phones masked, templates and failures
named."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.core.actors import Actor
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue, outbox_send_due
from sscard.notifications.tests.support import Reply
from sscard.testing.exports import assert_header_rows, read_export

pytestmark = pytest.mark.django_db
PHONE = "13687654321"


def _queue(template: str) -> OutboxMessage:
    with transaction.atomic():
        message = message_queue(
            actor=Actor.system("t"),
            phone=PHONE,
            text="您的社会保障卡已到达网点。",
            template_key=template,
        )
    assert message is not None
    return message


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_outbox_exports_what_the_page_lists(fmt, city_officer, client_for):
    sent = _queue("card_ready")
    OutboxMessage.objects.filter(pk=sent.pk).update(status=OutboxStatus.SENT)
    _queue("card_ready")  # still queued: filtered out
    export = read_export(client_for(city_officer).get(f"/outbox/export.{fmt}", {"status": "sent"}))
    assert_header_rows(export, title="短信发件箱", filters=["：已发送"])
    (row,) = export.rows
    expected = OutboxMessage.objects.get(pk=sent.pk)
    assert row[:7] == [
        expected.pk if fmt == "xlsx" else str(expected.pk),
        expected.masked_phone,
        "领卡通知",
        "card_ready",
        "您的社会保障卡已到达网点。",
        expected.get_status_display(),
        "sent",
    ]
    assert PHONE not in export.text()


def test_only_city_officers_export_the_outbox(district_officer, client_for):
    assert client_for(district_officer).get("/outbox/export.xlsx").status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_failed_message_exports_why_by_name_with_its_code_beside_it(
    fmt, city_officer, client_for, gateway, settings
):
    # a gateway that is down at the message's one and only try
    settings.SSCARD_SMS_MAX_ATTEMPTS = 1
    gateway.answer(Reply(503, b"{}"))
    message = _queue("card_ready")
    assert outbox_send_due().failed == [message.pk]
    export = read_export(
        client_for(city_officer).get(f"/outbox/export.{fmt}", {"status": "failed"})
    )
    assert export.column("最近错误") == ["短信网关暂时不可用"]
    assert export.column("最近错误（代码）") == ["http_503"]

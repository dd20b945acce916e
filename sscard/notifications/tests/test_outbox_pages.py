"""The outbox for city officers: page, API and admin, with phones masked and failures named."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from sscard.core.actors import Actor
from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage
from sscard.notifications.services import message_queue, outbox_send_due
from sscard.notifications.sms_errors import send_error_codes, send_error_name
from sscard.notifications.tests.support import Gateway, Reply
from sscard.testing.crawl import KnownCodes
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
PHONE = "13687654321"
MASKED = "*******4321"
TEXT = "您的社会保障卡已制作完成，请到工商银行西城支行领取。"


def _queue(n: int, *, status: OutboxStatus = OutboxStatus.QUEUED) -> list[OutboxMessage]:
    with transaction.atomic():
        messages = [
            message_queue(actor=Actor.system("t"), phone=PHONE, text=TEXT, template_key="ready")
            for _ in range(n)
        ]
    OutboxMessage.objects.filter(pk__in=[m.pk for m in messages if m]).update(status=status)
    return [m for m in messages if m]


def test_the_page_lists_messages_with_masked_phones_and_filters_by_status(
    city_officer, client_for, django_assert_max_num_queries
):
    _queue(2, status=OutboxStatus.SENT)
    (failed,) = _queue(1, status=OutboxStatus.FAILED)
    client = client_for(city_officer)
    with django_assert_max_num_queries(12):
        page = client.get("/outbox/").content.decode()
    assert page.count(MASKED) == 3
    assert PHONE not in page
    assert TEXT in page
    only_failed = client.get("/outbox/", {"status": "failed"}).content.decode()
    assert only_failed.count(MASKED) == 1
    assert f"<td>{failed.pk}</td>" in only_failed


def test_the_page_answers_htmx_with_the_results_only(city_officer, client_for):
    _queue(1)
    response = client_for(city_officer).get("/outbox/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert MASKED in body
    assert "<html" not in body


def test_the_page_queries_do_not_grow_with_the_messages(
    city_officer, client_for, django_assert_num_queries
):
    client = client_for(city_officer)
    _queue(1)
    with CaptureQueriesContext(connection) as few:
        client.get("/outbox/")
    _queue(20)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/outbox/")


@pytest.mark.parametrize(
    "role", ["district_officer", "employer_hr", "bank_clerk", "community_clerk", "cardholder"]
)
def test_other_roles_may_not_open_the_outbox(role, client_for):
    _queue(1)
    client = client_for(AccountFactory.of_role(role))
    page = client.get("/outbox/")
    assert page.status_code == 403
    assert MASKED not in page.content.decode()
    answer = client.get("/api/v1/outbox")
    assert answer.status_code == 403
    assert answer.json()["code"] == "permission_denied"


def test_the_api_lists_messages_masked_paginated_and_by_status(
    city_officer, client_for, django_assert_num_queries
):
    _queue(3, status=OutboxStatus.SENT)
    _queue(2, status=OutboxStatus.QUEUED)
    client = client_for(city_officer)
    with django_assert_num_queries(5):  # session, user, account, count, page
        answer = client.get("/api/v1/outbox")
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 5
    assert {item["phone_masked"] for item in body["items"]} == {MASKED}
    assert PHONE not in answer.content.decode()
    assert "phone_enc" not in body["items"][0]
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True)
    queued = client.get("/api/v1/outbox", {"status": "queued"}).json()
    assert queued["count"] == 2
    assert {item["status"] for item in queued["items"]} == {"queued"}
    assert client.get("/api/v1/outbox", {"status": "lost"}).status_code == 422


def test_the_admin_shows_the_outbox_read_only_and_masked(client, django_user_model):
    (message,) = _queue(1)
    user = django_user_model.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(user)
    listing = client.get("/admin/notifications/outboxmessage/").content.decode()
    assert MASKED in listing
    assert PHONE not in listing
    detail = client.get(f"/admin/notifications/outboxmessage/{message.pk}/change/")
    assert detail.status_code == 200
    assert MASKED in detail.content.decode()
    assert PHONE not in detail.content.decode()
    assert client.get("/admin/notifications/outboxmessage/add/").status_code == 403


def _failed_through(gateway: Gateway, status: int) -> OutboxMessage:
    """A message the real local gateway refused with ``status``, recorded by the sender."""
    gateway.answer(Reply(status, b'{"error": "refused"}'))
    (message,) = _queue(1)
    assert outbox_send_due().failed == [message.pk]
    message.refresh_from_db()
    return message


def test_a_failed_message_s_page_names_why_it_failed_never_the_gateway_s_code(
    city_officer, client_for, gateway
):
    # given a message the SMS gateway refused (HTTP 400: a provider code, "http_400")
    message = _failed_through(gateway, 400)
    assert message.last_error == "http_400"
    client = client_for(city_officer)
    # then the outbox page, in either language, says why in words, and never shows a code a
    # failed send may record (the every-page crawl looks for the same list)
    known = KnownCodes.of(send_error_codes(), regions=())
    assert known.found_in("<td>http_400</td><td>timeout</td>", english=False)  # as shown before
    for language, name in (
        ("zh-hans", "短信网关拒收：请求格式有误"),
        ("en", "The SMS gateway refused the request as malformed"),
    ):
        client.cookies["django_language"] = language
        page = client.get("/outbox/", {"status": "failed"}).content.decode()
        assert f"<td>{name}</td>" in page
        assert known.found_in(page, english=language == "en") == []
        assert "http_400" not in page
    # and the API carries the code for machines and its name beside it
    client.cookies["django_language"] = "en"
    (item,) = client.get("/api/v1/outbox", {"status": "failed"}).json()["items"]
    assert (item["last_error"], item["last_error_name"]) == (
        "http_400",
        "The SMS gateway refused the request as malformed",
    )


def test_every_code_a_failed_send_records_has_a_name_in_both_languages():
    for code in sorted(send_error_codes()):
        with translation.override("zh-hans"):
            chinese = send_error_name(code)
        with translation.override("en"):
            english = send_error_name(code)
        assert re.search(r"[\u4e00-\u9fff]", chinese), (code, chinese)
        assert english not in ("", code, chinese), (code, english)
    with translation.override("en"):
        # a code no table knows yet (a new provider's) is named as a failure, not shown
        assert send_error_name("gateway_banana") == "Sending failed for an unknown reason"
        assert send_error_name("") == ""

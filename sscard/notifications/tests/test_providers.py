"""The providers: a JSON-lines file, the log, and a real HTTP gateway on 127.0.0.1."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from sscard.notifications.models import OutboxMessage
from sscard.notifications.providers import (
    ConsoleSmsProvider,
    FileSmsProvider,
    HttpSmsProvider,
    SendResult,
    sms_provider,
)
from sscard.notifications.tests.support import Reply, read_lines

PHONE = "13812345678"
TEXT = "您的社会保障卡已制作完成，请到工商银行西城支行领取。"


def _message(pk: int = 7) -> OutboxMessage:
    return OutboxMessage(pk=pk, phone_masked="138****5678", template_key="card_ready", text=TEXT)


def test_the_file_provider_appends_one_json_line_per_message_with_the_phone_masked(tmp_path):
    path = tmp_path / "outbox" / "sms.jsonl"
    provider = FileSmsProvider(path)
    assert provider.send(_message(7), PHONE) == SendResult.sent("file-7")
    assert provider.send(_message(8), PHONE) == SendResult.sent("file-8")
    lines = read_lines(path)
    assert [(line["id"], line["phone"], line["template"], line["text"]) for line in lines] == [
        (7, "138****5678", "card_ready", TEXT),
        (8, "138****5678", "card_ready", TEXT),
    ]
    assert PHONE not in path.read_text(encoding="utf-8")
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_the_file_provider_reports_a_file_it_cannot_write_as_temporary(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    result = FileSmsProvider(blocker / "sms.jsonl").send(_message(), PHONE)
    assert result == SendResult.temporary("file_error")


def test_the_console_provider_logs_the_masked_phone_and_the_text(caplog):
    with caplog.at_level(logging.INFO, logger="sscard.notifications.sms"):
        result = ConsoleSmsProvider().send(_message(), PHONE)
    assert result.ok
    assert "138****5678" in caplog.text
    assert TEXT in caplog.text
    assert PHONE not in caplog.text


def test_the_settings_choose_the_provider(settings, tmp_path):
    settings.SSCARD_SMS_PROVIDER = "file"
    settings.SSCARD_SMS_FILE = tmp_path / "x.jsonl"
    assert isinstance(sms_provider(), FileSmsProvider)
    settings.SSCARD_SMS_PROVIDER = "console"
    assert isinstance(sms_provider(), ConsoleSmsProvider)
    settings.SSCARD_SMS_PROVIDER = "http"
    settings.SSCARD_SMS_URL = "https://sms.example.cn/send"
    assert isinstance(sms_provider(), HttpSmsProvider)
    settings.SSCARD_SMS_PROVIDER = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms_provider()


@pytest.mark.parametrize(
    "url", ["", "ftp://127.0.0.1/sms", "http://sms.example.cn/send", "file:///etc/passwd"]
)
def test_the_gateway_must_be_https_unless_it_is_local(url):
    with pytest.raises(ImproperlyConfigured):
        HttpSmsProvider(url=url, token="t", timeout=1)


def _http() -> HttpSmsProvider:
    provider = sms_provider()
    assert isinstance(provider, HttpSmsProvider)
    return provider


def test_a_2xx_answer_is_sent_and_the_gateways_id_is_kept(gateway):
    # given a gateway that accepts the message
    gateway.answer(Reply(200, b'{"message_id": "gw-42", "status": "accepted"}'))
    # when it is sent
    result = _http().send(_message(7), PHONE)
    # then it is sent with the gateway's id
    assert result == SendResult.sent("gw-42")
    # and the gateway got the full phone, the text and our id, with the bearer token
    (request,) = gateway.requests
    assert request["json"] == {"phone": PHONE, "text": TEXT, "id": "7"}
    assert request["headers"]["Authorization"] == "Bearer test-gateway-token"
    assert request["headers"]["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b'{"id": 981}', "981"), (b"OK", None), (b"[1, 2]", None), (b"", None)],
)
def test_a_2xx_answer_without_a_usable_id_is_still_sent(gateway, body, expected):
    gateway.answer(Reply(202, body))
    assert _http().send(_message(), PHONE) == SendResult.sent(expected)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_429_and_5xx_are_temporary(gateway, status):
    gateway.answer(Reply(status, b'{"error": "busy"}'))
    assert _http().send(_message(), PHONE) == SendResult.temporary(f"http_{status}")


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_permanent(gateway, status):
    gateway.answer(Reply(status, b'{"error": "bad number"}'))
    assert _http().send(_message(), PHONE) == SendResult.refused(f"http_{status}")


def test_a_redirect_is_not_followed_and_is_permanent(gateway):
    gateway.answer(Reply(302, b""))
    assert _http().send(_message(), PHONE) == SendResult.refused("http_302")
    assert len(gateway.requests) == 1


def test_a_gateway_that_does_not_answer_in_time_is_temporary(gateway):
    gateway.answer(Reply(200, delay=2.0))  # the time-out is 0.5 s
    assert _http().send(_message(), PHONE) == SendResult.temporary("timeout")


def test_a_gateway_that_refuses_the_connection_is_temporary(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # nothing listens on that port any more
    provider = HttpSmsProvider(url=f"http://127.0.0.1:{port}/sms", token="t", timeout=1)
    assert provider.send(_message(), PHONE) == SendResult.temporary("connection_error")

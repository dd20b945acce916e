"""Where an outgoing SMS goes: a log line, a JSON-lines file, or an HTTP gateway.

``SSCARD_SMS_PROVIDER`` chooses one: ``file`` (the embedded default, JSON lines in
``SSCARD_SMS_FILE``), ``console`` (the log) or ``http`` (a gateway at ``SSCARD_SMS_URL``). The
first two never see the phone in full: they record its masked form, because they exist so that
people can read what would have been sent.

Every provider answers a :class:`SendResult`; it never raises for a refusal or a network
failure, and says whether trying again later could help (``permanent``).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from sscard.notifications.models import OutboxMessage
from sscard.notifications.sms_errors import SendError, send_error_code_http

logger = logging.getLogger("sscard.notifications.sms")

# The gateway's answer is read up to this many bytes: it only has to carry a message id.
_MAX_ANSWER_BYTES = 64 * 1024
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one attempt to send came to; ``error`` is a stable code, never gateway text
    (``sscard.notifications.sms_errors`` names it)."""

    ok: bool
    permanent: bool = False
    provider_id: str | None = None
    error: str | None = None

    @classmethod
    def sent(cls, provider_id: str | None = None) -> SendResult:
        return cls(ok=True, provider_id=provider_id)

    @classmethod
    def temporary(cls, error: str) -> SendResult:
        """Failed this time; the sender tries again later."""
        return cls(ok=False, permanent=False, error=error)

    @classmethod
    def refused(cls, error: str) -> SendResult:
        """Failed for good: trying again would fail the same way."""
        return cls(ok=False, permanent=True, error=error)


class SmsProvider(Protocol):
    """Sends one message to one phone (the plaintext phone, decrypted just for this call)."""

    name: str

    def send(self, message: OutboxMessage, phone: str) -> SendResult: ...


class ConsoleSmsProvider:
    """Logs the masked phone and the text (logger ``sscard.notifications.sms``, INFO)."""

    name = "console"

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        logger.info("SMS #%s to %s: %s", message.pk, message.phone_masked, message.text)
        return SendResult.sent(f"console-{message.pk}")


class FileSmsProvider:
    """Appends one JSON line per message (masked phone, text) to a file, for demos and tests."""

    name = "file"

    _lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        line = json.dumps(
            {
                "id": message.pk,
                "phone": message.phone_masked,
                "template": message.template_key,
                "text": message.text,
                "at": timezone.now().isoformat(),
            },
            ensure_ascii=False,
        )
        data = (line + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # One write() of the whole line to an O_APPEND file: lines of concurrent senders
            # do not interleave.
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, data)
                finally:
                    os.close(fd)
        except OSError:
            logger.exception("SMS #%s: cannot write to the outbox file", message.pk)
            return SendResult.temporary(SendError.FILE_ERROR)
        return SendResult.sent(f"file-{message.pk}")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A gateway that redirects a POST is misconfigured: report the 3xx, do not follow it."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: object,
        code: int,
        msg: str,
        headers: object,
        newurl: str,
    ) -> None:
        return None


class HttpSmsProvider:
    """POSTs ``{"phone", "text", "id"}`` as JSON to an SMS gateway with a bearer token.

    2xx is sent (the gateway's ``message_id`` or ``id`` is kept if its JSON answer has one);
    429, 5xx, time-outs and connection errors are temporary; any other status is permanent.
    ``id`` is the outbox row's id, so a gateway can recognise a retry of a message whose
    answer was lost.
    """

    name = "http"

    def __init__(self, *, url: str, token: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ImproperlyConfigured("SSCARD_SMS_URL must be an http(s) URL")
        if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
            # The body carries the phone in full: only a local relay may be spoken to in clear.
            raise ImproperlyConfigured("SSCARD_SMS_URL must use https unless it is local")
        self.url = url
        self.token = token
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects())

    def send(self, message: OutboxMessage, phone: str) -> SendResult:
        body = json.dumps(
            {"phone": phone, "text": message.text, "id": str(message.pk)}, ensure_ascii=False
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        # The scheme was checked in __init__: http(s) only, never file: or a custom one.
        request = urllib.request.Request(  # noqa: S310
            self.url, data=body, headers=headers, method="POST"
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                answer = response.read(_MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            exc.close()
            return _status_failure(exc.code)
        except TimeoutError:
            return SendResult.temporary(SendError.TIMEOUT)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                return SendResult.temporary(SendError.TIMEOUT)
            return SendResult.temporary(SendError.CONNECTION_ERROR)
        except (OSError, http.client.HTTPException):
            return SendResult.temporary(SendError.CONNECTION_ERROR)
        return SendResult.sent(_gateway_message_id(answer))


def _status_failure(status: int) -> SendResult:
    code = send_error_code_http(status)
    if status == 429 or status >= 500:
        return SendResult.temporary(code)
    return SendResult.refused(code)


def _gateway_message_id(answer: bytes) -> str | None:
    try:
        data = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("message_id", "messageId", "id"):
        value = data.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
            return str(value)[:128]
    return None


def sms_provider() -> SmsProvider:
    """The provider the settings choose (read at each call, so tests can override them)."""
    kind = settings.SSCARD_SMS_PROVIDER
    if kind == "file":
        return FileSmsProvider(Path(settings.SSCARD_SMS_FILE))
    if kind == "console":
        return ConsoleSmsProvider()
    if kind == "http":
        return HttpSmsProvider(
            url=settings.SSCARD_SMS_URL,
            token=settings.SSCARD_SMS_TOKEN,
            timeout=float(settings.SSCARD_SMS_TIMEOUT),
        )
    raise ImproperlyConfigured(f"SSCARD_SMS_PROVIDER must be console, file or http, not {kind!r}")

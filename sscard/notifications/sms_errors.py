"""Why a message could not be sent: the stable codes the senders record, and their names.

A provider (``sscard.notifications.providers``) and the sender (``outbox_send_due``) write a
stable code into ``OutboxMessage.last_error``: one of :class:`SendError`, or ``http_<status>``
for a gateway's HTTP answer. People read the name (issue 12: names, not codes): the outbox
page shows :func:`send_error_name`, its export and API carry the name and, beside it, the code.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = ["SendError", "send_error_code_http", "send_error_codes", "send_error_name"]


class SendError(models.TextChoices):
    """The codes of a failed send other than a gateway's HTTP answer, and their names."""

    TIMEOUT = "timeout", _("The SMS gateway did not answer in time")
    CONNECTION_ERROR = "connection_error", _("The SMS gateway could not be reached")
    FILE_ERROR = "file_error", _("The outbox file could not be written")
    PROVIDER_ERROR = "provider_error", _("The SMS service failed while sending")
    PHONE_UNREADABLE = "phone_unreadable", _("The stored phone number cannot be read")
    SENDER_LOST = "sender_lost", _("The sender stopped before recording whether it was sent")
    RECIPIENT_DEPARTED = "recipient_departed", _("Not sent: the person has died or left")
    UNKNOWN = "unknown", _("Sending failed for an unknown reason")


# The gateway's HTTP answers a person may meet, each by what it says about the gateway. Any
# other status is named by its class below.
_HTTP_NAMES: dict[int, Promise] = {
    400: _("The SMS gateway refused the request as malformed"),
    401: _("The SMS gateway refused our credentials"),
    403: _("The SMS gateway does not allow us to send this"),
    404: _("The SMS gateway's address is wrong"),
    413: _("The SMS gateway refused a message this long"),
    422: _("The SMS gateway refused the message's content"),
    429: _("The SMS gateway asked us to send more slowly"),
    500: _("The SMS gateway had an internal error"),
    502: _("The SMS gateway is unavailable"),
    503: _("The SMS gateway is unavailable"),
    504: _("The SMS gateway is unavailable"),
}
_HTTP_PREFIX = "http_"
# Statuses a gateway's failure can carry (urllib raises HTTPError for 3xx it does not follow).
_HTTP_STATUSES = range(300, 600)


def _http_name(status: int) -> str:
    known = _HTTP_NAMES.get(status)
    if known is not None:
        return str(known)
    if status < 400:
        return gettext("The SMS gateway redirected the message: its address is misconfigured")
    if status < 500:
        return gettext("The SMS gateway refused the message")
    return gettext("The SMS gateway failed")


def send_error_name(code: str | None) -> str:
    """The name of a failed send's code in the language being served (``""`` for none).

    A code no table knows (a future provider's) is named as a failure, never shown as it is.
    """
    if not code:
        return ""
    if code in SendError.values:
        return str(SendError(code).label)
    if code.startswith(_HTTP_PREFIX) and code[len(_HTTP_PREFIX) :].isdigit():
        return _http_name(int(code[len(_HTTP_PREFIX) :]))
    return str(SendError.UNKNOWN.label)


def send_error_code_http(status: int) -> str:
    """The code recorded for a gateway's HTTP ``status``."""
    return f"{_HTTP_PREFIX}{status}"


def send_error_codes() -> frozenset[str]:
    """Every code a sender may record: what a person must never read in place of its name."""
    return frozenset(SendError.values) | {send_error_code_http(s) for s in _HTTP_STATUSES}

"""Reads of the outbox: city officers follow what was sent, masked."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import translation

from sscard.core.actors import Actor, Role
from sscard.core.errors import PermissionDenied
from sscard.notifications.choices import SmsTemplate
from sscard.notifications.models import OutboxMessage

OUTBOX_ROLES = frozenset({Role.CITY_OFFICER, Role.SYSTEM})


def outbox_list(*, actor: Actor, status: str | None = None) -> QuerySet[OutboxMessage]:
    """Messages, newest first, optionally of one status; never the encrypted phone."""
    if actor.role not in OUTBOX_ROLES:
        raise PermissionDenied("see the SMS outbox", "查看短信发件箱")
    messages = OutboxMessage.objects.defer("phone_enc", "phone_index").order_by("-pk")
    if status:
        messages = messages.filter(status=status)
    return messages


def sms_template_names(codes: frozenset[str], english: bool) -> dict[str, str]:
    """What each SMS template tells the holder (``card_ready`` → 领卡通知), for the outbox."""
    with translation.override("en" if english else "zh-hans"):
        return {t.value: str(t.label) for t in SmsTemplate if t.value in codes}

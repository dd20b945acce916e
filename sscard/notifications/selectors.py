"""Reads of the outbox: city officers follow what was sent, masked."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import translation

from sscard.core.actors import Actor, Role
from sscard.core.errors import PermissionDenied
from sscard.notifications.choices import SmsTemplate
from sscard.notifications.models import OutboxMessage, ReminderOptOut

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


def reminders_wanted(*, actor: Actor, person_id: int) -> bool:
    """Whether the person takes reminders to apply (no opt-out recorded): the holder asks for
    their own; officers and the system for anyone."""
    if actor.role is Role.CARDHOLDER and actor.person_id != person_id:
        raise PermissionDenied("see another person's reminder setting", "查看他人的提醒设置")
    if actor.role not in (Role.CARDHOLDER, Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.SYSTEM):
        raise PermissionDenied("see reminder settings", "查看提醒设置")
    return not ReminderOptOut.objects.filter(person_id=person_id).exists()


def opted_out(person_ref: str = "pk") -> Exists:
    """True for the rows whose person (``person_ref``, an outer field) asked for no reminders:
    a rounds' selection annotates or excludes with it, in its own query."""
    return Exists(ReminderOptOut.objects.filter(person_id=OuterRef(person_ref)))

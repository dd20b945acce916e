"""API input and output of the outbox."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from sscard.notifications.choices import OutboxStatus
from sscard.notifications.models import OutboxMessage


class OutboxFilter(Schema):
    status: OutboxStatus | None = None


class OutboxMessageOut(Schema):
    id: int
    phone_masked: str
    person_id: int | None
    template_key: str
    text: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str = Field(
        description="Why the last try failed, as a stable code (empty if it did not): one of "
        "timeout, connection_error, file_error, provider_error, phone_unreadable, sender_lost, "
        "unknown, or http_<status> for the gateway's answer."
    )
    last_error_name: str = Field(
        description="The same in words, in the language of the request (empty if it did not fail)."
    )
    provider: str
    provider_message_id: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_phone_masked(obj: OutboxMessage) -> str:
        return obj.masked_phone

    @staticmethod
    def resolve_last_error_name(obj: OutboxMessage) -> str:
        return obj.last_error_name


class RemindersOut(Schema):
    """Whether the holder takes reminders to apply (the texts a service must send still go)."""

    wanted: bool


class RemindersIn(Schema):
    wanted: bool

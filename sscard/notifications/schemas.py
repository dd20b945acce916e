"""API input and output of the outbox."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

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
    last_error: str
    provider: str
    provider_message_id: str
    created_at: datetime
    sent_at: datetime | None

    @staticmethod
    def resolve_phone_masked(obj: OutboxMessage) -> str:
        return obj.masked_phone

"""API input and output of the histories and the audit search."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from sscard.reports.history import ACTOR_LABEL_MAX, AuditQuery


class HistoryRowOut(Schema):
    """One event: the codes machines read, and their words in Chinese and English."""

    id: int
    at: datetime
    action: str
    action_zh: str
    action_en: str
    object_type: str
    object_zh: str
    object_en: str
    object_id: str
    actor_role: str
    actor_role_zh: str
    actor_role_en: str
    actor: str = Field(description="The actor's account name; empty for a holder's reading")
    reason_zh: str
    reason_en: str
    channel: str
    channel_zh: str
    channel_en: str


class PersonHistoryOut(Schema):
    person_id: int
    events: list[HistoryRowOut]


class CardHistoryOut(Schema):
    card_id: int
    card_number: str
    events: list[HistoryRowOut]


class AuditFilter(Schema):
    """The audit search's filter (a person by record id; their ID number goes in a body)."""

    person: int | None = Field(None, ge=1)
    card_number: str = Field("", max_length=32)
    actor: str = Field("", max_length=ACTOR_LABEL_MAX)
    action: str = Field("", max_length=64)
    date_from: date | None = None
    date_to: date | None = None

    def query(self) -> AuditQuery:
        return AuditQuery(
            person_id=self.person,
            card_number=self.card_number,
            actor_label=self.actor,
            action=self.action,
            date_from=self.date_from,
            date_to=self.date_to,
        )


class AuditSearchIn(AuditFilter):
    """The search with the person's full ID number, posted, never in a URL."""

    id_number: str = Field("", max_length=32)

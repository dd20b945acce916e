"""API input and output of campaigns and decisions."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema


class CampaignOut(Schema):
    id: int
    city_code: str
    pack_id: str
    pack_hash: str
    title: str
    status: str
    in_force_from: datetime
    in_force_until: datetime | None
    put_in_force_by: str


class PutInForceIn(Schema):
    pack_id: str = Field(description="A pack shipped with sscard, e.g. beijing-2024")


class DecisionIn(Schema):
    id_number: str = Field(description="The person's full ID number (travels in the body only)")
    action: str = Field(description="first | migrate | replace_lost | replace_damaged | collective")
    channel: str
    day: date
    bank: str | None = None
    pickup: str | None = None


class DecisionOut(Schema):
    allowed: bool
    reason_code: str
    message_zh: str
    message_en: str
    pack_id: str
    pack_hash: str
    phase_id: str | None
    rule_id: str | None
    clause: str | None
    card_generation: int | None
    pickup_methods: list[str]
    banks: list[str]
    bank_default: str | None
    due_date: date | None
    due_rule: str | None
    redirect_to: str | None

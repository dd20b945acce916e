"""API input and output of production: a batch with its progress, a factory result."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class BatchOut(Schema):
    id: int
    kind: str
    channel: str
    collected_on: date
    status: str
    card_count: int
    personalised: int
    produced: int
    defective: int
    percent_personalised: int
    created_at: datetime


class ResultOut(Schema):
    id: int
    made: int
    defective: int
    unchanged: int
    remake_batch_id: int | None

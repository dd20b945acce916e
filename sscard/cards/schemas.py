"""API schemas of the cards."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class VerifyIn(Schema):
    """Either the printed card number or the string a card terminal reads."""

    card_number: str | None = Field(default=None, max_length=32)
    reader_string: str | None = Field(default=None, max_length=1000)


class VerifyOut(Schema):
    status: str
    generation: int | None
    functions: list[str]
    interfaces: list[str]
    masked_name: str
    checked_at: datetime

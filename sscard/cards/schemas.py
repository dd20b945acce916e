"""API schemas of the cards: verification, a card and its life, card authentication."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, model_validator

from sscard.cards.rules import password_fields_refusal


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


class ProgressStepOut(Schema):
    """One step of a card's way to its holder (``cards.progress``)."""

    key: str
    label_zh: str
    label_en: str
    at: datetime | date | None
    done: bool


class ProgressOut(Schema):
    """How far an application and its card have come: the steps the holder's pages show, the
    current one (``status``: submitted, decided, ordered, made, posted, to_outlet, with_team,
    at_outlet, handed_over, enabled, cancelled) and whether all is done."""

    status: str
    label_zh: str
    label_en: str
    done: bool
    steps: list[ProgressStepOut]


class CardOut(Schema):
    """A card as its holder, a counter or the bureau sees it (no personal identifier)."""

    id: int
    card_number: str
    generation: int
    stage: str
    status: str
    ss_function: str
    financial_function: str
    block: str
    blocked_until: date | None
    bank_code: str
    interfaces: list[str]
    functions: list[str]
    issued_on: date
    valid_until: date
    enabled_at: datetime | None
    masked_name: str
    overdue: bool
    progress: ProgressOut


class MyApplicationOut(Schema):
    """One of the holder's applications and how far it has come, from its card."""

    id: int
    action: str
    channel: str
    record_status: str = Field(
        description="The application's record: submitted (open), completed (its card is "
        "ordered) or cancelled. What the holder is told is ``progress``."
    )
    applied_on: date
    due_date: date | None
    due_date_pending: bool
    card_id: int | None
    card_number: str | None
    progress: ProgressOut


class ElectronicCardOut(Schema):
    status: str
    follows_card_id: int | None
    mirrors_physical: bool


class MyCardsOut(Schema):
    cards: list[CardOut]
    electronic_card: ElectronicCardOut | None


class CounterIn(Schema):
    """At a counter: the ID number read off the holder's ID card (see the module's note)."""

    id_number: str | None = Field(default=None, max_length=32)


class LossIn(CounterIn):
    channel: Literal["phone", "online", "counter"]
    formal: bool = False


class LossOut(Schema):
    id: int
    card_id: int
    channel: str
    kind: str
    reported_on: date
    blocked_until: date | None
    ended_at: datetime | None
    end_reason: str
    replacement_id: int | None


class ReplacementIn(CounterIn):
    reason: Literal["lost", "damaged"]
    # Without a channel, the one the counter page uses at the clerk's outlet.
    channel: str | None = Field(default=None, max_length=32)
    pickup: str | None = Field(default=None, max_length=32)
    bank: str | None = Field(default=None, max_length=16)
    mailing_address: str = Field(default="", max_length=200)
    backup_centre_id: int | None = None


class ReplacementOut(Schema):
    application_id: int
    card_generation: int | None
    due_date: date | None
    due_date_pending: bool
    rule_id: str
    clause: str


class PasswordResetIn(Schema):
    """A password reset at the counter: the holder's ID number, and the ID number of whoever
    presents it when that is not the holder (a minor's guardian). There is no field for a
    password, a PIN or a PIN block: the holder keys the new password on the bank's PIN pad and
    sscard never receives it. A body that carries one is refused (``password_not_accepted``,
    naming the field, never its value), any other unknown field too (``invalid_input``)."""

    model_config = ConfigDict(extra="forbid")

    id_number: str = Field(max_length=32)
    presenter_id_number: str | None = Field(
        default=None,
        max_length=32,
        description="The guardian's (or, where the policy allows, the proxy's) own ID number; "
        "leave out when the holder comes in person.",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_secret(cls, data: Any) -> Any:
        # Raised as the service refusal it is (not a validation error), before any field of
        # the body is read: a counter system that sends a password learns to stop at once.
        if isinstance(data, dict):
            refused = password_fields_refusal(data.keys())
            if refused is not None:
                raise refused
        return data


class PasswordResetOut(Schema):
    """A recorded password reset: nothing secret, only that it was done, where and by whom."""

    card_id: int
    presenter: Literal["holder", "guardian", "proxy"]
    outlet_id: int
    outlet_name: str
    reset_at: datetime
    clause: str
    holder_told: bool


class ChallengeIn(Schema):
    card_number: str = Field(max_length=32)


class ChallengeOut(Schema):
    """A nonce for the card to sign, in hex, and until when it may be answered."""

    code: str | None = Field(
        description="The challenge: answer it at /cards/challenges/{code}/answer "
        "(null for an unknown card)."
    )
    nonce: str | None = Field(
        description="32 random bytes in hex (64 characters). The card signs the 30-byte "
        "context 'sscard-card-authentication/v1' + one zero byte, then these 32 bytes "
        "(decoded from hex): 62 bytes in all."
    )
    expires_at: datetime | None = Field(description="Answer before this (two minutes).")
    verification: VerifyOut


class AnswerIn(Schema):
    """The card's SM2 signature over the challenge (DER, base64)."""

    signature: str = Field(
        max_length=200,
        description="The card's SM2 signature (SM3; ZA with the user ID 1234567812345678) "
        "over context + nonce, DER SEQUENCE {INTEGER r, INTEGER s}, in standard base64.",
    )


class AnswerOut(Schema):
    authenticated: bool
    reason: str
    verification: VerifyOut

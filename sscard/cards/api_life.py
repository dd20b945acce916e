"""API operations of a card's life: the holder's cards, enabling, the financial function, loss
reports, replacement, and card authentication by challenge.

At a counter every operation on a card may carry ``id_number``, the number read off the
holder's ID card: the card is then found among that person's cards, as the counter page finds
it (``card_for_counter``), so a clerk reaches a posted card or one handed over elsewhere; the
service decides whether this outlet may act on it. Without it a clerk reaches only the cards
handed over at their outlet, and a holder their own.
"""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

import base64
import binascii
from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from sscard.cards.api import verification_body
from sscard.cards.challenge import SIGNING, card_challenge_answer, card_challenge_issue
from sscard.cards.models import Card, LossReport
from sscard.cards.rules import counter_id_number, counter_replacement_channel
from sscard.cards.schemas import VerifyOut
from sscard.cards.selectors import (
    card_for_counter,
    card_get,
    cards_of_holder,
    electronic_card_status,
)
from sscard.cards.services import (
    card_activate_financial,
    card_close_financial,
    card_enable,
    card_loss_withdraw,
    card_replacement_apply,
    card_report_loss,
)
from sscard.cards.status import card_is_overdue, card_status
from sscard.core.actors import Actor
from sscard.core.errors import ApplicationError
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.network.selectors import outlet_get

router = Router(tags=["cards"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}


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


def card_out(card: Card, today: date) -> dict[str, Any]:
    return {
        "id": card.pk,
        "card_number": card.card_number,
        "generation": card.generation,
        "stage": card.stage,
        "status": str(card_status(card, today=today)),
        "ss_function": card.ss_function,
        "financial_function": card.financial_function,
        "block": card.block,
        "blocked_until": card.blocked_until,
        "bank_code": card.bank_code,
        "interfaces": list(card.interfaces),
        "functions": list(card.functions),
        "issued_on": card.issued_on,
        "valid_until": card.valid_until,
        "enabled_at": card.enabled_at,
        "masked_name": card.person.masked_name,
        "overdue": card_is_overdue(card, today=today),
    }


class ElectronicCardOut(Schema):
    status: str
    follows_card_id: int | None
    mirrors_physical: bool


class MyCardsOut(Schema):
    cards: list[CardOut]
    electronic_card: ElectronicCardOut | None


def _today() -> date:
    return timezone.localdate()


class CounterIn(Schema):
    """At a counter: the ID number read off the holder's ID card (see the module's note)."""

    id_number: str | None = Field(default=None, max_length=32)


def _card(actor: Actor, card_id: int, id_number: str | None) -> Card:
    """The card acted on: through the holder's ID number at a counter, else as visible."""
    if id_number is None:
        return card_get(actor=actor, card_id=card_id)
    return card_for_counter(actor=actor, id_number=counter_id_number(id_number), card_id=card_id)


@router.get("/cards/mine", response={200: MyCardsOut, **ERRORS})
def cards_mine(request: HttpRequest) -> dict[str, Any]:
    """The signed-in holder's cards (and their children's), and their electronic card."""
    actor = request_actor(request)
    today = _today()
    cards = cards_of_holder(actor=actor)
    ecard = None
    if actor.person_id is not None:
        status = electronic_card_status(person_id=actor.person_id, today=today)
        ecard = {
            "status": str(status.status),
            "follows_card_id": status.follows_card_id,
            "mirrors_physical": status.mirrors_physical,
        }
    return {"cards": [card_out(c, today) for c in cards], "electronic_card": ecard}


@router.get("/cards/{int:card_id}", response={200: CardOut, **ERRORS})
def cards_get(request: HttpRequest, card_id: int) -> dict[str, Any]:
    """One card the caller may see."""
    return card_out(card_get(actor=request_actor(request), card_id=card_id), _today())


@router.post("/cards/{int:card_id}/enable", response={200: CardOut, **WRITE_ERRORS})
def cards_enable(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Enable the social-security function: online by the holder, or on site where the pack
    allows; the person's previous card becomes invalid at once (BJ-10, SH-16).

    Refusals: ``enable_path_not_allowed``, ``card_not_handed_over``, ``card_not_enableable``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return card_out(card_enable(actor=actor, card=card, today=_today()), _today())


@router.post("/cards/{int:card_id}/activate-financial", response={200: CardOut, **WRITE_ERRORS})
def cards_activate_financial(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Activate the financial function at an outlet of the issuing bank (BJ-08): where the
    card was handed over (branch pickup), or — a posted card — at any outlet of its bank,
    found through the holder's ``id_number``. Online is refused.

    Refusals: ``financial_activation_online_refused``, ``financial_activation_wrong_bank``,
    ``financial_activation_path``, ``card_not_handed_over``, ``financial_not_activatable``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return card_out(card_activate_financial(actor=actor, card=card, today=_today()), _today())


@router.post("/cards/{int:card_id}/close-financial", response={200: CardOut, **WRITE_ERRORS})
def cards_close_financial(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Close the card's bank account at the issuing bank (the holder's choice, BJ-10).

    Refusals: ``financial_activation_wrong_bank``, ``financial_not_active``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return card_out(card_close_financial(actor=actor, card=card), _today())


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


def loss_out(report: LossReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "card_id": report.card_id,
        "channel": report.channel,
        "kind": report.kind,
        "reported_on": report.reported_on,
        "blocked_until": report.blocked_until,
        "ended_at": report.ended_at,
        "end_reason": report.end_reason,
        "replacement_id": report.replacement_id,
    }


@router.post("/cards/{int:card_id}/loss-reports", response={201: LossOut, **WRITE_ERRORS})
def cards_report_loss(request: HttpRequest, card_id: int, body: LossIn) -> Status[dict[str, Any]]:
    """Report the card lost: blocked at once; temporary by phone or online, formal at the
    counter (SH-18). Refusals: ``loss_channel_not_offered``, ``loss_formal_not_here``,
    ``loss_already_reported``, ``card_not_reportable``, ``card_not_in_holders_hands``."""
    actor = request_actor(request)
    report = card_report_loss(
        actor=actor,
        card=_card(actor, card_id, body.id_number),
        channel=body.channel,
        today=_today(),
        formal=body.formal,
    )
    return Status(201, loss_out(report))


@router.post("/cards/{int:card_id}/loss-reports/withdraw", response={200: LossOut, **WRITE_ERRORS})
def cards_withdraw_loss(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Withdraw the standing loss report while no replacement has been applied for.

    Refusals: ``loss_not_reported``, ``loss_withdraw_after_replacement``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return loss_out(card_loss_withdraw(actor=actor, card=card, today=_today()))


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


@router.post("/cards/{int:card_id}/replacements", response={201: ReplacementOut, **WRITE_ERRORS})
def cards_replace(
    request: HttpRequest, card_id: int, body: ReplacementIn
) -> Status[dict[str, Any]]:
    """Apply for a replacement of a lost or damaged card at the clerk's outlet; the pack in
    force gives the generation (BJ-10) and the due date (BJ-11). Refusals:
    ``card_not_replaceable``, ``card_not_in_holders_hands``, and the engine's."""
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number)
    channel = body.channel
    if channel is None and actor.outlet_id is not None:
        channel = counter_replacement_channel(outlet_get(actor=actor, outlet_id=actor.outlet_id))
    application = card_replacement_apply(
        actor=actor,
        card=card,
        reason=body.reason,
        channel=channel or "",
        day=_today(),
        pickup=body.pickup,
        bank=body.bank,
        mailing_address=body.mailing_address,
        backup_centre_id=body.backup_centre_id,
    )
    return Status(
        201,
        {
            "application_id": application.pk,
            "card_generation": application.card_generation,
            "due_date": application.due_date,
            "due_date_pending": application.due_date_pending,
            "rule_id": application.rule_id,
            "clause": application.clause,
        },
    )


# --- card authentication --------------------------------------------------------------------


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


_CHALLENGE_CREATE = """Ask the card to prove it holds its key: a nonce for it to sign (optional,
after `/cards/verify`). An unknown card gets no challenge, only `unknown`. Answer within two
minutes at `/cards/challenges/{code}/answer`.

"""
_CHALLENGE_ANSWER = """Check the card's answer: `authenticated` when the signature verifies with
the card certificate, whose chain reaches the root (else `reason`: `signature_invalid`,
`no_certificate`, …). Refusals: `not_found` (unknown, or another party's challenge),
`challenge_expired`, `challenge_used`, `signature_encoding` (not base64).

"""


@router.post(
    "/cards/challenges",
    response={201: ChallengeOut, **ERRORS},
    description=_CHALLENGE_CREATE + SIGNING,
)
def challenges_create(request: HttpRequest, body: ChallengeIn) -> Status[dict[str, Any]]:
    """Ask the card to prove it holds its key: a nonce for it to sign (optional, after
    ``/cards/verify``). An unknown card gets no challenge, only ``unknown``."""
    issued = card_challenge_issue(actor=request_actor(request), card_number=body.card_number)
    return Status(
        201,
        {
            "code": issued.code,
            "nonce": issued.nonce.hex() if issued.nonce is not None else None,
            "expires_at": issued.expires_at,
            "verification": verification_body(issued.verification),
        },
    )


@router.post(
    "/cards/challenges/{code}/answer",
    response={200: AnswerOut, **WRITE_ERRORS},
    description=_CHALLENGE_ANSWER + SIGNING,
)
def challenges_answer(request: HttpRequest, code: str, body: AnswerIn) -> dict[str, Any]:
    """Check the card's answer: ``authenticated`` when the signature verifies with the card
    certificate, whose chain reaches the root. Refusals: ``not_found`` (unknown, or another
    party's challenge), ``challenge_expired``, ``challenge_used``, ``signature_encoding``."""
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError):
        raise ApplicationError(
            "signature_encoding",
            "签名须为Base64编码。",
            "The signature must be base64.",
            status=422,
        ) from None
    outcome = card_challenge_answer(
        actor=request_actor(request), code=code[:64], signature=signature
    )
    return {
        "authenticated": outcome.authenticated,
        "reason": outcome.reason,
        "verification": verification_body(outcome.verification),
    }

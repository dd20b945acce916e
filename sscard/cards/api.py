"""API operations of the cards: verification for relying parties, a card's life (the holder's
cards, enabling, the financial function, loss reports, replacement) and card authentication by
challenge.

At a counter every operation on a card may carry ``id_number``, the number read off the
holder's ID card: the card is then found among that person's cards, as the counter page finds
it (``card_for_counter``), so a clerk reaches a posted card or one handed over elsewhere; the
service decides whether this outlet may act on it. Without it a clerk reaches only the cards
handed over at their outlet, and a holder their own.
"""

# No ``from __future__ import annotations``: Ninja reads these signatures at import time.

import base64
import binascii
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Status

from sscard.cards.departure_api import router as departure_router
from sscard.cards.errors import CardsErrorCode
from sscard.cards.expiry_api import router as expiry_router
from sscard.cards.models import Card, LossReport
from sscard.cards.progress import HolderProgress
from sscard.cards.rules import (
    counter_id_number,
    counter_replacement_channel,
    counter_replacement_defaults,
)
from sscard.cards.schemas import (
    AnswerIn,
    AnswerOut,
    CardOut,
    ChallengeIn,
    ChallengeOut,
    CounterIn,
    LossIn,
    LossOut,
    MyApplicationOut,
    MyCardsOut,
    PasswordResetIn,
    PasswordResetOut,
    ReplacementIn,
    ReplacementOut,
    VerifyIn,
    VerifyOut,
)
from sscard.cards.selectors import (
    card_for_counter,
    card_get,
    card_progress,
    cards_of_holder,
    electronic_card_status,
    holder_applications,
)
from sscard.cards.services import (
    card_activate_financial,
    card_challenge_answer,
    card_challenge_issue,
    card_close_financial,
    card_enable,
    card_loss_withdraw,
    card_password_reset_record,
    card_replacement_apply,
    card_report_loss,
)
from sscard.cards.services.challenge import SIGNING
from sscard.cards.status import card_is_overdue, card_status
from sscard.cards.verify import Verification, card_verify
from sscard.core.actors import Actor
from sscard.core.clock import today as _today
from sscard.core.schemas import ERRORS, ErrorOut
from sscard.core.views import request_actor
from sscard.network.selectors import outlet_get

router = Router(tags=["cards"])
WRITE_ERRORS = {409: ErrorOut, **ERRORS}
# The operation ids the card-life operations were published under (in ``api_life``, merged
# here): clients generated from the API's document keep them.
_PUBLISHED = "sscard_cards_api_life_"


def verification_body(answer: Verification) -> dict[str, Any]:
    """The JSON answer of a verification, keys in ``VerifyOut``'s order.

    The lean route (``config/fastverify.py``) renders this dict as it is, with the API's own
    renderer, so that both routes give the same bytes.
    """
    return {
        "status": str(answer.status),
        "generation": answer.generation,
        "functions": list(answer.functions),
        "interfaces": list(answer.interfaces),
        "masked_name": answer.masked_name,
        "checked_at": answer.checked_at,
    }


@router.post("/cards/verify", response={200: VerifyOut, **ERRORS})
def verify_card(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Verify a card: its status, generation, functions and the holder's masked name."""
    answer = card_verify(
        actor=request_actor(request),
        card_number=payload.card_number,
        reader_string=payload.reader_string,
    )
    return verification_body(answer)


def card_out(card: Card, today: date) -> dict[str, Any]:
    """The body of ``CardOut``: the card as it stands on ``today``."""
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
        "progress": progress_out(card_progress(card)),
    }


def progress_out(progress: HolderProgress) -> dict[str, Any]:
    """The body of ``ProgressOut``: the derivation the holder's pages draw, in both languages."""
    steps = [
        {
            "key": step.key,
            "label_zh": _in("zh-hans", step.label),
            "label_en": _in("en", step.label),
            "at": step.at,
            "done": step.done,
        }
        for step in progress.steps
    ]
    return {
        "status": progress.status,
        "label_zh": _in("zh-hans", progress.status_label),
        "label_en": _in("en", progress.status_label),
        "done": progress.done,
        "steps": steps,
    }


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def _card(actor: Actor, card_id: int, id_number: str | None) -> Card:
    """The card acted on: through the holder's ID number at a counter, else as visible."""
    if id_number is None:
        return card_get(actor=actor, card_id=card_id)
    return card_for_counter(actor=actor, id_number=counter_id_number(id_number), card_id=card_id)


@router.get(
    "/cards/mine",
    response={200: MyCardsOut, **ERRORS},
    operation_id=_PUBLISHED + "cards_mine",
)
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


@router.get(
    "/applications/mine",
    response={200: list[MyApplicationOut], **ERRORS},
)
def applications_mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The signed-in holder's applications (and their children's), newest first, each with how
    far it has come — the steps and status the holder's page shows, derived from the card:
    "made" once the factory reported it, "done" only with the card in hand and enabled."""
    return [
        {
            "id": found.application.pk,
            "action": found.application.action,
            "channel": found.application.channel,
            "record_status": found.application.status,
            "applied_on": found.application.applied_on,
            "due_date": found.application.due_date,
            "due_date_pending": found.application.due_date_pending,
            "card_id": found.card.pk if found.card is not None else None,
            "card_number": found.card.card_number if found.card is not None else None,
            "progress": progress_out(found.progress),
        }
        for found in holder_applications(actor=request_actor(request))
    ]


@router.get(
    "/cards/{int:card_id}",
    response={200: CardOut, **ERRORS},
    operation_id=_PUBLISHED + "cards_get",
)
def cards_get(request: HttpRequest, card_id: int) -> dict[str, Any]:
    """One card the caller may see."""
    return card_out(card_get(actor=request_actor(request), card_id=card_id), _today())


@router.post(
    "/cards/{int:card_id}/enable",
    response={200: CardOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_enable",
)
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


@router.post(
    "/cards/{int:card_id}/activate-financial",
    response={200: CardOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_activate_financial",
)
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


@router.post(
    "/cards/{int:card_id}/close-financial",
    response={200: CardOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_close_financial",
)
def cards_close_financial(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Close the card's bank account at the issuing bank (the holder's choice, BJ-10).

    Refusals: ``financial_activation_wrong_bank``, ``financial_not_active``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return card_out(card_close_financial(actor=actor, card=card), _today())


def loss_out(report: LossReport) -> dict[str, Any]:
    """The body of ``LossOut``."""
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


@router.post(
    "/cards/{int:card_id}/loss-reports",
    response={201: LossOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_report_loss",
)
def cards_report_loss(request: HttpRequest, card_id: int, body: LossIn) -> Status[dict[str, Any]]:
    """Report the card lost: blocked at once; temporary by phone or online, temporary or
    formal (``formal``) at the counter, as the counter page's two buttons (SH-18). Refusals:
    ``loss_channel_not_offered``, ``loss_formal_not_here``, ``loss_already_reported``,
    ``card_not_reportable``, ``card_not_in_holders_hands``."""
    actor = request_actor(request)
    report = card_report_loss(
        actor=actor,
        card=_card(actor, card_id, body.id_number),
        channel=body.channel,
        today=_today(),
        formal=body.formal,
    )
    return Status(201, loss_out(report))


@router.post(
    "/cards/{int:card_id}/loss-reports/withdraw",
    response={200: LossOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_withdraw_loss",
)
def cards_withdraw_loss(
    request: HttpRequest, card_id: int, body: CounterIn | None = None
) -> dict[str, Any]:
    """Withdraw the standing loss report while no replacement has been applied for (for a
    lost card or a damaged one).

    Refusals: ``loss_not_reported``, ``loss_withdraw_after_replacement``.
    """
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number if body else None)
    return loss_out(card_loss_withdraw(actor=actor, card=card, today=_today()))


@router.post(
    "/cards/{int:card_id}/replacements",
    response={201: ReplacementOut, **WRITE_ERRORS},
    operation_id=_PUBLISHED + "cards_replace",
)
def cards_replace(
    request: HttpRequest, card_id: int, body: ReplacementIn
) -> Status[dict[str, Any]]:
    """Apply for a replacement of a lost or damaged card at the clerk's outlet; the pack in
    force gives the generation (BJ-10) and the due date (BJ-11). Without a ``pickup``, the one
    the counter page takes: the policy's own, or where it offers several the first handed
    over at an outlet (and a posted card's backup centre: the card's, else this community
    centre). Refusals: ``card_not_replaceable``, ``card_not_in_holders_hands``,
    ``replacement_already_applied``, and the engine's."""
    actor = request_actor(request)
    card = _card(actor, card_id, body.id_number)
    channel, pickup, centre = body.channel, body.pickup, body.backup_centre_id
    if actor.outlet_id is not None:
        # What the counter page does: its channel, and the pickup (and backup centre) the
        # policy leaves to a counter when none is named.
        outlet = outlet_get(actor=actor, outlet_id=actor.outlet_id)
        channel = channel or counter_replacement_channel(outlet, card)
        if pickup is None:
            defaults = counter_replacement_defaults(
                outlet, card, reason=body.reason, channel=channel, day=_today()
            )
            pickup = defaults.pickup
            centre = centre if centre is not None else defaults.backup_centre_id
    application = card_replacement_apply(
        actor=actor,
        card=card,
        reason=body.reason,
        channel=channel or "",
        day=_today(),
        pickup=pickup,
        bank=body.bank,
        mailing_address=body.mailing_address,
        backup_centre_id=centre,
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


@router.post(
    "/cards/{int:card_id}/password-resets",
    response={201: PasswordResetOut, **WRITE_ERRORS},
)
def cards_password_reset(
    request: HttpRequest, card_id: int, body: PasswordResetIn
) -> Status[dict[str, Any]]:
    """Record the reset of the card's service password (社保卡密码重置) at the clerk's counter,
    against the holder's ID (the counter page's "Reset password"); the holder is told by text.
    The body has no password field and refuses one: the new password is keyed on the bank's
    PIN pad and never reaches sscard. Refusals: ``password_not_accepted``,
    ``password_reset_not_offered``, ``password_reset_outlet_kind``,
    ``password_reset_card_cancelled``, ``password_reset_card_state``,
    ``password_reset_id_mismatch``, ``password_reset_proxy_refused``, ``not_found`` (not this
    person's card), and the ID number's own codes."""
    actor = request_actor(request)
    id_number = counter_id_number(body.id_number)
    card = card_for_counter(actor=actor, id_number=id_number, card_id=card_id)
    done = card_password_reset_record(
        actor=actor,
        card=card,
        id_number=id_number,
        today=_today(),
        presenter_id_number=body.presenter_id_number,
    )
    return Status(
        201,
        {
            "card_id": done.card.pk,
            "presenter": done.presenter,
            "outlet_id": done.outlet.pk,
            "outlet_name": done.outlet.name,
            "reset_at": done.at,
            "clause": done.clause,
            "holder_told": done.told > 0,
        },
    )


# --- card authentication --------------------------------------------------------------------


_CHALLENGE_CREATE = """Ask the card to prove it holds its key: a nonce for it to sign (optional,
after `/cards/verify`). An unknown card gets no challenge, only `unknown`. Answer within two
minutes at `/cards/challenges/{code}/answer`.

"""
_CHALLENGE_ANSWER = """Check the card's answer: `authenticated` when the signature verifies with
the card certificate, whose chain reaches the root (else `reason`: `signature_invalid`,
`no_certificate`, `certificate_revoked` (listed in the CRL, `/cards/crl`), …). Refusals:
`not_found` (unknown, or another party's challenge), `challenge_expired`, `challenge_used`,
`signature_encoding` (not base64).

"""


@router.post(
    "/cards/challenges",
    response={201: ChallengeOut, **ERRORS},
    description=_CHALLENGE_CREATE + SIGNING,
    operation_id=_PUBLISHED + "challenges_create",
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
    operation_id=_PUBLISHED + "challenges_answer",
)
def challenges_answer(request: HttpRequest, code: str, body: AnswerIn) -> dict[str, Any]:
    """Check the card's answer: ``authenticated`` when the signature verifies with the card
    certificate, whose chain reaches the root. Refusals: ``not_found`` (unknown, or another
    party's challenge), ``challenge_expired``, ``challenge_used``, ``signature_encoding``."""
    try:
        signature = base64.b64decode(body.signature, validate=True)
    except (binascii.Error, ValueError):
        raise CardsErrorCode.SIGNATURE_ENCODING.error() from None
    outcome = card_challenge_answer(
        actor=request_actor(request), code=code[:64], signature=signature
    )
    return {
        "authenticated": outcome.authenticated,
        "reason": outcome.reason,
        "verification": verification_body(outcome.verification),
    }


# Expiry and renewal (到期换卡) keep their operations in a module of their own.
router.add_router("", expiry_router)
router.add_router("", departure_router)

"""Replacement of a lost or damaged card (补换, BJ-10, BJ-11, SH-12, SH-18): an application
the engine decides like any other, and for a lost card a loss that stands formally from then
on."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from sscard.applications.models import Application
from sscard.applications.services import application_submit
from sscard.cards.choices import LossChannel, LossKind
from sscard.cards.errors import CardsErrorCode
from sscard.cards.models import Card, LossReport
from sscard.cards.rules import (
    REPLACE_ACTIONS,
    replacement_refusal,
    replacements_applied,
    standing_loss_report,
)
from sscard.cards.services._shared import CARD_OBJECT, CLERKS, refuse_if, target_locked
from sscard.cards.services.loss import card_report_loss
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied


def card_replacement_apply(
    *,
    actor: Actor,
    card: Card,
    reason: str,
    channel: str,
    day: date,
    pickup: str | None = None,
    bank: str | None = None,
    mailing_address: str = "",
    backup_centre_id: int | None = None,
    photo_source: str | None = None,
) -> Application:
    """Apply for a replacement of a lost or damaged card, as the pack in force decides.

    The engine answers for the person (BJ-10: a pilot target gets a third-generation card,
    anyone else the old style), the channel (SH-06: replacements at community centres) and
    the due date (BJ-11: N working days, or the same visit). For a lost card the loss stands
    formally from now on, and the report can no longer be withdrawn (SH-18). The bank is the
    issuing bank of the card replaced unless another is named; the photo is the one the card
    was made with unless another source is named. The new card may be of the generation of
    the card replaced, but not of one the person holds another current card of
    (``card_already_held``, see ``card_order_conflicts_in_transaction``).
    """
    action = _replacement_action(actor, reason)
    with transaction.atomic():
        this, _cards = target_locked(actor, card)
        refuse_if(
            replacement_refusal(
                actor=actor,
                card=this,
                today=day,
                replacement_applied=this.pk in replacements_applied([this]),
            )
        )
        application = new_card_application_submit(
            actor=actor,
            card=this,
            channel=channel,
            action=action,
            day=day,
            pickup=pickup,
            bank=bank,
            mailing_address=mailing_address,
            backup_centre_id=backup_centre_id,
            photo_source=photo_source,
        )
        if reason == "lost":
            _loss_stands_for(actor, this, application, day)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_replacement_apply",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"application_id": application.pk, "reason": reason, "channel": channel},
                pack_hash=application.pack_hash,
            ),
        )
    return application


def _replacement_action(actor: Actor, reason: str) -> str:
    """The engine's action for ``reason``; refuses another reason, and anyone but a clerk."""
    action = REPLACE_ACTIONS.get(reason)
    if action is None:
        raise CardsErrorCode.REPLACEMENT_REASON_INVALID.error(reason=reason)
    if actor.role not in CLERKS:
        raise PermissionDenied("take a replacement application", "受理补换申请")
    return action


def new_card_application_submit(
    *,
    actor: Actor,
    card: Card,
    channel: str,
    action: str,
    day: date,
    pickup: str | None,
    bank: str | None,
    mailing_address: str,
    backup_centre_id: int | None,
    photo_source: str | None,
) -> Application:
    """Submit the application (``action``) for a new card to take ``card``'s place: the bank is
    ``card``'s unless another is named, the photo the one it was made with unless another
    source is named (:func:`new_card_photo`)."""
    photo_source, photo_id = new_card_photo(card, photo_source)
    return application_submit(
        actor=actor,
        person=card.person,
        channel=channel,
        action=action,
        day=day,
        photo_source=photo_source,
        photo_id=photo_id,
        bank=bank or card.bank_code or None,
        pickup=pickup,
        mailing_address=mailing_address,
        backup_centre_id=backup_centre_id,
        replaces_card_id=card.pk,
    )


def new_card_photo(card: Card, photo_source: str | None) -> tuple[str, int | None]:
    """The photo the new card is made with: the old card's unless another source is named."""
    previous = card.application
    if photo_source is None and previous is not None:
        return previous.photo_source, previous.photo_id
    # chosen: a card from the old system has no photo on record here; the one shared from the
    # holder's ID card is used unless the clerk names another source.
    return photo_source or "id_card", None


def _loss_stands_for(actor: Actor, card: Card, application: Application, day: date) -> None:
    """The lost card's loss stands formally and names the replacement (SH-18): a temporary
    report is confirmed at the counter, a missing one made."""
    report = standing_loss_report(card, today=day)
    if report is None or report.kind == LossKind.TEMPORARY:
        report = card_report_loss(
            actor=actor, card=card, channel=LossChannel.COUNTER, today=day, formal=True
        )
    LossReport.objects.filter(pk=report.pk).update(replacement=application)

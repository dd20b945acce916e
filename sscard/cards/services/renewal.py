"""Renewal of a card that runs out (到期换卡, issue 15 point 4): an application the engine
decides like any other, on the pack's renewal channels, for a card within its notice period or
run out already; the new card replaces the old one as a replacement does."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from sscard.applications.models import Application
from sscard.cards.expiry import RENEWAL_TAKERS, renewal_refusal, renewal_terms_for_card
from sscard.cards.models import Card
from sscard.cards.rules import RENEWAL_ACTION, replacements_applied
from sscard.cards.services._shared import CARD_OBJECT, refuse_if, target_locked
from sscard.cards.services.replacement import new_card_application_submit
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied


def card_renewal_apply(
    *,
    actor: Actor,
    card: Card,
    channel: str,
    day: date,
    pickup: str | None = None,
    bank: str | None = None,
    mailing_address: str = "",
    backup_centre_id: int | None = None,
    photo_source: str | None = None,
) -> Application:
    """Apply for the renewal of ``card``: a clerk at the counter, or its holder online.

    Refused (nothing written) unless the pack in force sets renewal on ``channel`` and the card
    is in its holder's hands, not replaced or applied for already, and within the notice period
    or run out (``cards.expiry.renewal_refusal``); a holder reaches only their own card
    (``not_found``). Then the engine decides the application as it decides a replacement (the
    generation, the bank, the pickup, the due date), with action ``renewal``: the new card,
    once ordered, takes the old one's place, and enabling it makes the old one ``replaced``.
    The bank is the old card's unless another is named, the photo the one it was made with.
    """
    if actor.role not in RENEWAL_TAKERS:
        raise PermissionDenied("take a renewal application", "受理到期换卡申请")
    with transaction.atomic():
        this, _cards = target_locked(actor, card)
        refuse_if(
            renewal_refusal(
                actor=actor,
                card=this,
                terms=renewal_terms_for_card(this),
                today=day,
                renewal_applied=this.pk in replacements_applied([this]),
                channel=channel,
            )
        )
        application = new_card_application_submit(
            actor=actor,
            card=this,
            channel=channel,
            action=RENEWAL_ACTION,
            day=day,
            pickup=pickup,
            bank=bank,
            mailing_address=mailing_address,
            backup_centre_id=backup_centre_id,
            photo_source=photo_source,
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_renewal_apply",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={
                    "application_id": application.pk,
                    "channel": channel,
                    "valid_until": this.valid_until.isoformat(),
                },
                pack_hash=application.pack_hash,
            ),
        )
    return application

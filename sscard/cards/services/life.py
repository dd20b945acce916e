"""A card's functions: enabling the social-security function, which makes the person's previous
card invalid (BJ-10, SH-16), and activating and closing the financial one at the issuing bank
(BJ-08).

Each service locks every card of the holder in primary-key order (two clerks serving one person
queue instead of deadlocking), asks the predicate of ``cards.rules`` that the pages ask too,
writes, and appends its audit events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.utils import timezone

from sscard.cards.choices import FinancialFunction, SocialSecurityFunction
from sscard.cards.milestones import card_milestones_record
from sscard.cards.models import Card
from sscard.cards.rules import (
    ENABLE_ROLES,
    FINANCIAL_ACTIVATE_ROLES,
    FINANCIAL_CLOSE_ROLES,
    enable_refusal,
    enableable_refusal,
    financial_activation_refusal,
    financial_close_refusal,
    financial_enables_ss,
)
from sscard.cards.services._shared import CARD_OBJECT, actor_outlet, refuse_if, target_locked
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append, audit_append_many
from sscard.core.errors import NotFound, PermissionDenied
from sscard.core.models import MilestoneKind


def card_enable(*, actor: Actor, card: Card, today: date) -> Card:
    """Switch on the card's social-security function where its pickup method allows (online by
    the holder, on site, at a community centre ...); the person's previously enabled card
    becomes invalid (replaced) in the same transaction (BJ-10, SH-16)."""
    if actor.role not in ENABLE_ROLES:
        raise PermissionDenied("enable cards", "启用社会保障卡")
    outlet = actor_outlet(actor)
    with transaction.atomic():
        this, cards = target_locked(actor, card)
        refuse_if(enable_refusal(actor=actor, card=this, outlet=outlet, today=today))
        facts = _enable_locked(actor, this, cards, today)
        audit_append_many(actor=actor, facts=facts)
    return this


def _enable_locked(actor: Actor, this: Card, cards: Sequence[Card], today: date) -> list[AuditFact]:
    """Enable ``this`` (locked) and invalidate the person's previous card in the same
    transaction; answer the audit facts."""
    refuse_if(enableable_refusal(this, today))
    facts = []
    voided: list[int] = []
    for old in cards:
        if old.pk != this.pk and old.ss_function == SocialSecurityFunction.ENABLED:
            old.ss_function = SocialSecurityFunction.INVALID
            old.save(update_fields=["ss_function"])
            voided.append(old.pk)
            facts.append(
                AuditFact(
                    action="card_invalidate",
                    object_type=CARD_OBJECT,
                    object_id=str(old.pk),
                    changes={"ss_function": ["enabled", "invalid"], "replaced_by": this.pk},
                    pack_hash=this.pack_hash,
                )
            )
    this.ss_function = SocialSecurityFunction.ENABLED
    this.enabled_at = timezone.now()
    this.save(update_fields=["ss_function", "enabled_at"])
    card_milestones_record(MilestoneKind.ENABLED, [this.pk], day=today, at=this.enabled_at)
    card_milestones_record(MilestoneKind.OLD_VOIDED, voided, day=today, at=this.enabled_at)
    facts.append(
        AuditFact(
            action="card_enable",
            object_type=CARD_OBJECT,
            object_id=str(this.pk),
            changes={"ss_function": ["not_enabled", "enabled"], "by": str(actor.role)},
            pack_hash=this.pack_hash,
        )
    )
    return facts


def card_activate_financial(*, actor: Actor, card: Card, today: date) -> Card:
    """Activate the card's financial function at an outlet of the issuing bank (BJ-08).

    Online is refused (``financial_activation_online_refused``), another bank's outlet too
    (``financial_activation_wrong_bank``). Where the pack says so (``financial_enables_ss``),
    the SS function is enabled in the same transaction, and with it the old card invalid.
    """
    if actor.role not in FINANCIAL_ACTIVATE_ROLES:
        raise PermissionDenied("activate the financial function", "激活金融功能")
    outlet = actor_outlet(actor)
    with transaction.atomic():
        this, cards = target_locked(actor, card)
        refuse_if(financial_activation_refusal(actor=actor, card=this, outlet=outlet, today=today))
        this.financial_function = FinancialFunction.ACTIVATED
        this.financial_changed_at = timezone.now()
        this.save(update_fields=["financial_function", "financial_changed_at"])
        facts = [
            AuditFact(
                action="card_activate_financial",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"financial_function": ["not_activated", "activated"]},
                pack_hash=this.pack_hash,
            )
        ]
        if financial_enables_ss(this) and this.ss_function == SocialSecurityFunction.NOT_ENABLED:
            facts += _enable_locked(actor, this, cards, today)
        audit_append_many(actor=actor, facts=facts)
    return this


def card_close_financial(*, actor: Actor, card: Card) -> Card:
    """Close the card's bank account at the issuing bank: the holder's choice, separate from
    the SS function (BJ-10: the old card's account may be closed, or kept)."""
    if actor.role not in FINANCIAL_CLOSE_ROLES:
        raise PermissionDenied("close the financial function", "注销金融功能")
    outlet = actor_outlet(actor)
    with transaction.atomic():
        this = Card.objects.select_for_update().filter(pk=card.pk).first()
        if this is None:
            raise NotFound("card", what_zh="该卡")
        refuse_if(financial_close_refusal(actor=actor, card=this, outlet=outlet))
        this.financial_function = FinancialFunction.CLOSED
        this.financial_changed_at = timezone.now()
        this.save(update_fields=["financial_function", "financial_changed_at"])
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_close_financial",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"financial_function": ["activated", "closed"]},
                pack_hash=this.pack_hash,
            ),
        )
    return this

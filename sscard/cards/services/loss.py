"""Loss reports (挂失) and their withdrawal (SH-18): a report blocks the card at once —
temporarily by phone or online, lapsing after the pack's term, formally at the counter — and
withdrawing it lifts the block, until a replacement has been applied for.

The terms are the pack's in force for the holder's city now; the block facet is set and lifted
by :func:`~sscard.cards.services.block.card_block_set_in_transaction` only.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from sscard.applications.selectors import person_recipient
from sscard.campaigns.selectors import pack_in_force_for_card
from sscard.cards.choices import CardBlock, LossEnd, LossKind
from sscard.cards.models import Card, LossReport
from sscard.cards.rules import (
    LOSS_WITHDRAW_ROLES,
    loss_channel_refusal,
    loss_kind,
    loss_report_refusal,
    loss_withdraw_refusal,
    replacements_applied,
    standing_loss_report,
)
from sscard.cards.services._shared import CARD_OBJECT, actor_outlet, refuse_if, target_locked
from sscard.cards.services.block import card_block_set_in_transaction
from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.errors import PermissionDenied
from sscard.network.models import Outlet
from sscard.notifications.services import holder_tell
from sscard.policy import Pack
from sscard.policy.schema import Loss


def card_report_loss(
    *, actor: Actor, card: Card, channel: str, today: date, formal: bool = False
) -> LossReport:
    """Report a card lost: it is blocked at once (SH-18).

    A report by phone or online is temporary and lifts itself after the pack's term; a formal
    report (only where the pack allows it, the counter) stands. A formal report on a
    temporarily blocked card confirms it. Refusals: ``loss_channel_not_offered``,
    ``loss_formal_not_here``, ``loss_already_reported``, ``card_not_reportable``.
    """
    refuse_if(loss_channel_refusal(actor=actor, channel=channel))
    pack = pack_in_force_for_card(card).pack
    kind, until = _block_asked(pack.loss, formal=formal, today=today)
    outlet = actor_outlet(actor)
    with transaction.atomic():
        this, _cards = target_locked(actor, card)
        standing = _loss_report_checked(actor, this, channel, formal, pack.loss, today)
        report, before = _loss_report_write(
            actor, this, channel, kind, until, standing=standing, outlet=outlet, today=today
        )
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_report_loss",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={
                    "report_id": report.pk,
                    "channel": channel,
                    "kind": kind,
                    "block": [before, this.block],
                    "blocked_until": until.isoformat() if until else None,
                },
                pack_hash=pack.content_hash,
            ),
        )
        _tell_holder(actor, this, pack, "loss_reported")
    return report


def _block_asked(terms: Loss, *, formal: bool, today: date) -> tuple[LossKind, date | None]:
    """The report's kind and the last day of its block (a formal one has none)."""
    kind = loss_kind(terms, formal=formal)
    if kind == LossKind.FORMAL:
        return kind, None
    return kind, today + timedelta(days=terms.temporary_block_days or 0)


def _loss_report_checked(
    actor: Actor, card: Card, channel: str, formal: bool, terms: Loss, today: date
) -> LossReport | None:
    """Refuse the report as the pages' predicate would; answer the card's standing report."""
    standing = standing_loss_report(card, today=today)
    refuse_if(
        loss_report_refusal(
            actor=actor,
            card=card,
            channel=channel,
            formal=formal,
            terms=terms,
            standing=standing,
            today=today,
        )
    )
    return standing


def _loss_report_write(
    actor: Actor,
    card: Card,
    channel: str,
    kind: LossKind,
    until: date | None,
    *,
    standing: LossReport | None,
    outlet: Outlet | None,
    today: date,
) -> tuple[LossReport, CardBlock]:
    """Write the report and block ``card`` (locked); answer the report and the block before."""
    now = timezone.now()
    # A lapsed temporary report is closed by the new one; a confirmed one is replaced.
    LossReport.objects.filter(card=card, ended_at__isnull=True).update(
        ended_at=now,
        end_reason=LossEnd.CONFIRMED if standing is not None else LossEnd.LAPSED,
    )
    report = LossReport.objects.create(
        card=card,
        channel=channel,
        kind=kind,
        reported_on=today,
        blocked_until=until,
        outlet=outlet,
        reported_by=actor.label,
        reported_by_role=str(actor.role),
        created_at=now,
        replacement_id=standing.replacement_id if standing is not None else None,
    )
    block = CardBlock.FORMAL if kind == LossKind.FORMAL else CardBlock.TEMPORARY
    before = card_block_set_in_transaction(card=card, block=block, until=until)
    return report, before


def _tell_holder(actor: Actor, card: Card, pack: Pack, template_key: str) -> None:
    """Tell the holder with the pack's template, if the pack has one and the holder a phone."""
    recipient = person_recipient(card.person)
    holder_tell(
        actor=actor,
        pack=pack,
        template_key=template_key,
        recipients=[recipient] if recipient is not None else [],
    )


def card_loss_withdraw(*, actor: Actor, card: Card, today: date) -> LossReport:
    """Withdraw the card's standing loss report and lift the block — only while no
    replacement has been applied for, for whatever reason (``loss_withdraw_after_replacement``,
    the packs' ``withdrawable_until: replacement_ordered``)."""
    if actor.role not in LOSS_WITHDRAW_ROLES:
        raise PermissionDenied("withdraw a loss report", "撤销挂失")
    with transaction.atomic():
        this, _cards = target_locked(actor, card)
        report = standing_loss_report(this, today=today)
        refuse_if(
            loss_withdraw_refusal(
                actor=actor,
                standing=report,
                replacement_applied=this.pk in replacements_applied([this]),
            )
        )
        assert report is not None  # the predicate refuses a card without one
        report.ended_at = timezone.now()
        report.end_reason = LossEnd.WITHDRAWN
        report.save(update_fields=["ended_at", "end_reason"])
        before = card_block_set_in_transaction(card=this, block=CardBlock.NONE)
        audit_append(
            actor=actor,
            fact=AuditFact(
                action="card_loss_withdraw",
                object_type=CARD_OBJECT,
                object_id=str(this.pk),
                changes={"report_id": report.pk, "block": [before, CardBlock.NONE]},
                pack_hash=this.pack_hash,
            ),
        )
    return report

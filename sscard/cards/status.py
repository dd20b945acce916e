"""A card's verification status, derived from its facets and never stored."""

from __future__ import annotations

from datetime import date

from sscard.cards.choices import CardBlock, CardStage, CardStatus, SocialSecurityFunction
from sscard.cards.models import Card
from sscard.policy import due_counts_postage


def status_of(
    *,
    ss_function: str,
    block: str,
    blocked_until: date | None,
    valid_until: date,
    today: date,
) -> CardStatus:
    """What verification answers for a card with these facets on ``today``.

    Precedence: cancelled, replaced, expired, formal block, temporary block (while
    ``blocked_until`` has not passed; without a date it holds), not enabled, valid. Plain
    values in, so that every path that answers a terminal (the ORM, the fast verification
    route) derives the answer with this one function.
    """
    if ss_function == SocialSecurityFunction.CANCELLED:
        return CardStatus.CANCELLED
    if ss_function == SocialSecurityFunction.INVALID:
        return CardStatus.REPLACED
    if valid_until < today:
        return CardStatus.EXPIRED
    if block == CardBlock.FORMAL:
        return CardStatus.BLOCKED_FORMAL
    if block == CardBlock.TEMPORARY and (blocked_until is None or blocked_until >= today):
        return CardStatus.BLOCKED_TEMPORARY
    if ss_function == SocialSecurityFunction.NOT_ENABLED:
        return CardStatus.NOT_ENABLED
    return CardStatus.VALID


def card_status(card: Card, *, today: date) -> CardStatus:
    """What verification answers for ``card`` on ``today`` (see :func:`status_of`)."""
    return status_of(
        ss_function=card.ss_function,
        block=card.block,
        blocked_until=card.blocked_until,
        valid_until=card.valid_until,
        today=today,
    )


# Stages before the factory has made the card: a due date is met by making it where the due
# rule excludes the time in the post (BJ-11).
NOT_MADE = (CardStage.ORDERED, CardStage.PERSONALISED)
# Made, not yet delivered: a posted card whose due rule counts the time in the post (the pack
# says so, ``policy.due_counts_postage``) is still due until it arrives.
NOT_DELIVERED = (CardStage.PRODUCED, CardStage.DISPATCHED)


def card_is_overdue(card: Card, *, today: date) -> bool:
    """Whether the card is overdue (BJ-11): its application's day has passed and it is not made
    yet, or, where the pack's due rule counts the time in the post, a posted card not delivered
    yet."""
    application = card.application
    due = application.due_date if application is not None else None
    if application is None or due is None or due >= today:
        return False
    if card.stage in NOT_MADE:
        return True
    return card.stage in NOT_DELIVERED and _due_counts_postage(
        application.pack_hash, application.rule_id, application.pickup
    )


def _due_counts_postage(pack_hash: str, rule_id: str, pickup: str) -> bool:
    # cards.rules reads card_status from this module: its pack lookup is imported here.
    from sscard.cards.rules import pack_by_hash

    pack = pack_by_hash(pack_hash)
    return pack is not None and due_counts_postage(pack, rule_id=rule_id, pickup=pickup)

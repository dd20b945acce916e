"""A card's verification status, derived from its facets and never stored."""

from __future__ import annotations

from datetime import date

from sscard.cards.choices import CardBlock, CardStage, CardStatus, SocialSecurityFunction
from sscard.cards.models import Card


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


# Stages before the factory has made the card: a due date is met by making it (BJ-11 excludes
# the time in the post).
NOT_MADE = (CardStage.ORDERED, CardStage.PERSONALISED)


def card_is_overdue(card: Card, *, today: date) -> bool:
    """Whether the card is overdue (BJ-11): not made yet, and its application's day has passed."""
    due = card.application.due_date if card.application is not None else None
    return due is not None and due < today and card.stage in NOT_MADE

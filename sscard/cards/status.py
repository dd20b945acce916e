"""A card's verification status, derived from its facets and never stored."""

from __future__ import annotations

from datetime import date

from sscard.cards.choices import CardBlock, CardStatus, SocialSecurityFunction
from sscard.cards.models import Card


def card_status(card: Card, *, today: date) -> CardStatus:
    """What verification answers for ``card`` on ``today``.

    Precedence: cancelled, replaced, expired, formal block, temporary block (while
    ``blocked_until`` has not passed; without a date it holds), not enabled, valid.
    """
    if card.ss_function == SocialSecurityFunction.CANCELLED:
        return CardStatus.CANCELLED
    if card.ss_function == SocialSecurityFunction.INVALID:
        return CardStatus.REPLACED
    if card.valid_until < today:
        return CardStatus.EXPIRED
    if card.block == CardBlock.FORMAL:
        return CardStatus.BLOCKED_FORMAL
    if card.block == CardBlock.TEMPORARY and (
        card.blocked_until is None or card.blocked_until >= today
    ):
        return CardStatus.BLOCKED_TEMPORARY
    if card.ss_function == SocialSecurityFunction.NOT_ENABLED:
        return CardStatus.NOT_ENABLED
    return CardStatus.VALID

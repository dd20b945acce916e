"""The card's block facet (挂失冻结, SH-18): the one place it is set and lifted.

A loss report blocks the card (temporarily until a date, or formally), and withdrawing the
report lifts the block; both go through :func:`card_block_set_in_transaction`, so the facet
and its date never disagree.
"""

from __future__ import annotations

from datetime import date

from sscard.cards.choices import CardBlock
from sscard.cards.models import Card
from sscard.cards.services._shared import in_transaction_or_fail


def card_block_set_in_transaction(
    *, card: Card, block: CardBlock, until: date | None = None
) -> CardBlock:
    """Set the block of ``card``, a row the caller has locked; answer the block it had.

    Runs inside the caller's transaction, which checks the change and writes its audit event
    (the loss report's). ``until`` is the last day of a temporary block; a formal block stands
    and no block has no date, so ``until`` is dropped for them.
    """
    in_transaction_or_fail("card_block_set_in_transaction")
    before = CardBlock(card.block)
    card.block = block
    card.blocked_until = until if block == CardBlock.TEMPORARY else None
    card.save(update_fields=["block", "blocked_until"])
    return before

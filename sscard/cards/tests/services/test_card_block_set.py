"""card_block_set_in_transaction: the one place a card's block facet is set and lifted (SH-18),
inside the transaction of the loss report or its withdrawal."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from sscard.cards.choices import CardBlock
from sscard.cards.models import Card
from sscard.cards.services.block import card_block_set_in_transaction
from sscard.cards.tests.support import card, person

pytestmark = pytest.mark.django_db
UNTIL = date(2019, 9, 12)


def _set(target: Card, block: CardBlock, until: date | None = None) -> CardBlock:
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=target.pk)
        return card_block_set_in_transaction(card=locked, block=block, until=until)


def test_a_temporary_block_keeps_its_date_and_answers_the_block_before():
    given = card(person())
    assert _set(given, CardBlock.TEMPORARY, UNTIL) == CardBlock.NONE
    given.refresh_from_db()
    assert (given.block, given.blocked_until) == ("temporary", UNTIL)


def test_a_formal_block_stands_and_lifting_it_clears_the_date():
    given = card(person(), block="temporary", blocked_until=UNTIL)
    # a formal block has no end date, whatever the caller passes
    assert _set(given, CardBlock.FORMAL, UNTIL) == CardBlock.TEMPORARY
    given.refresh_from_db()
    assert (given.block, given.blocked_until) == ("formal", None)
    assert _set(given, CardBlock.NONE) == CardBlock.FORMAL
    given.refresh_from_db()
    assert (given.block, given.blocked_until) == ("none", None)


def test_only_the_block_facet_is_written():
    given = card(person())
    with transaction.atomic():
        locked = Card.objects.select_for_update().get(pk=given.pk)
        locked.stage = "defective"  # a stray change in memory is not saved with the block
        card_block_set_in_transaction(card=locked, block=CardBlock.TEMPORARY, until=UNTIL)
    given.refresh_from_db()
    assert (given.stage, given.block) == ("handed_over", "temporary")


# Outside any test transaction, as a caller that forgot its own would be.
@pytest.mark.django_db(transaction=True)
def test_it_runs_only_inside_the_transaction_of_the_change():
    given = card(person())
    with pytest.raises(RuntimeError, match="card_block_set_in_transaction must run inside"):
        card_block_set_in_transaction(card=given, block=CardBlock.FORMAL)
    given.refresh_from_db()
    assert given.block == "none"

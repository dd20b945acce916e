"""cards_advance: every stage change of production and delivery, in bulk, in one statement
per 20,000 cards; a card in another stage is left where it is."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from sscard.cards.models import Card
from sscard.cards.services import cards_advance, cards_order
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person

pytestmark = pytest.mark.django_db


def _ordered(count: int) -> list[int]:
    campaign = in_force()
    apps = [application(campaign, person()) for _ in range(count)]
    return cards_order(actor=SYSTEM, application_ids=[a.pk for a in apps], today=TODAY)


def test_cards_in_a_from_stage_move_with_their_values_and_the_others_stay():
    # given three ordered cards, one of which production has already personalised
    first, second, third = _ordered(3)
    with transaction.atomic():
        assert cards_advance(card_ids=[third], from_stages=["ordered"], to_stage="personalised")
    # when all three are moved from "ordered" to "produced"
    made = timezone.now()
    with transaction.atomic():
        moved = cards_advance(
            card_ids=[first, second, third],
            from_stages=["ordered"],
            to_stage="produced",
            produced_at=made,
        )
    # then only the two that were ordered moved, with the values given
    assert moved == 2
    stages = dict(Card.objects.values_list("pk", "stage"))
    assert stages == {first: "produced", second: "produced", third: "personalised"}
    assert Card.objects.get(pk=first).produced_at == made
    assert Card.objects.get(pk=third).produced_at is None


def test_no_cards_move_nothing():
    with transaction.atomic():
        assert cards_advance(card_ids=[], from_stages=["ordered"], to_stage="produced") == 0


# Outside any test transaction, as a caller that forgot its own would be.
@pytest.mark.django_db(transaction=True)
def test_it_runs_only_inside_the_transaction_of_the_change():
    (card_id,) = _ordered(1)
    with pytest.raises(RuntimeError, match="cards_advance must run inside"):
        cards_advance(card_ids=[card_id], from_stages=["ordered"], to_stage="produced")
    assert Card.objects.get(pk=card_id).stage == "ordered"

"""cards_remake: a defective card is remade for the same application, with new codes (the
defective chip is gone), inside the transaction of the factory's result."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.cards.models import Card
from sscard.cards.services import cards_advance, cards_order, cards_remake
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person
from sscard.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _ordered(count: int = 1) -> list[Card]:
    campaign = in_force()
    apps = [application(campaign, person()) for _ in range(count)]
    ids = cards_order(actor=SYSTEM, application_ids=[a.pk for a in apps], today=TODAY)
    return list(Card.objects.filter(pk__in=ids).order_by("pk"))


def test_a_defective_card_is_remade_for_its_application_with_new_codes():
    # given a card the factory reported defective
    (broken,) = _ordered()
    with transaction.atomic():
        cards_advance(card_ids=[broken.pk], from_stages=["ordered"], to_stage="defective")
    # when it is remade
    with transaction.atomic():
        (remade_id,) = cards_remake(actor=SYSTEM, card_ids=[broken.pk], today=TODAY)
    # then the remake is a new card for the same application and person, with new codes
    remade = Card.objects.get(pk=remade_id)
    assert remade.remake_of_id == broken.pk
    assert (remade.application_id, remade.person_id) == (broken.application_id, broken.person_id)
    assert (remade.generation, remade.stage, remade.pack_hash) == (3, "ordered", broken.pack_hash)
    assert remade.card_number != broken.card_number
    assert remade.card_id_code != broken.card_id_code
    assert remade.card_id_code[:6] == broken.card_id_code[:6]
    # and the order is audited as a remake
    event = AuditEvent.objects.filter(action="card_order").latest("pk")
    assert event.changes["remakes"] == 1
    assert event.changes["card_ids"] == [[remade_id, remade_id]]


def test_only_defective_cards_are_remade():
    good, broken = _ordered(2)
    with transaction.atomic():
        cards_advance(card_ids=[broken.pk], from_stages=["ordered"], to_stage="defective")
        remade = cards_remake(actor=SYSTEM, card_ids=[good.pk, broken.pk], today=TODAY)
    assert [Card.objects.get(pk=pk).remake_of_id for pk in remade] == [broken.pk]
    with transaction.atomic():
        assert cards_remake(actor=SYSTEM, card_ids=[good.pk], today=TODAY) == []


# Outside any test transaction, as a caller that forgot its own would be.
@pytest.mark.django_db(transaction=True)
def test_it_runs_only_inside_the_transaction_of_the_change():
    (broken,) = _ordered()
    with transaction.atomic():
        cards_advance(card_ids=[broken.pk], from_stages=["ordered"], to_stage="defective")
    with pytest.raises(RuntimeError, match="must run inside"):
        cards_remake(actor=SYSTEM, card_ids=[broken.pk], today=TODAY)
    assert Card.objects.count() == 1

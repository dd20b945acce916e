"""cards_personalise_in_transaction: instant issuance personalises ordered cards in the
caller's transaction (SH-12), leaving cards already past ``ordered`` alone."""

from __future__ import annotations

import pytest
from django.db import transaction

from sscard.cards.models import Card, CardCertificate
from sscard.production.models import CardKey
from sscard.production.services.personalise import cards_personalise_in_transaction
from sscard.production.tests.support import formed_batch

pytestmark = pytest.mark.django_db


def test_ordered_cards_get_a_key_and_a_certificate_at_once_and_only_once() -> None:
    batch = formed_batch(2)
    ids = list(
        Card.objects.filter(batch_entry__batch=batch).order_by("pk").values_list("pk", flat=True)
    )
    with transaction.atomic():
        assert cards_personalise_in_transaction(card_ids=ids) == 2
    assert set(Card.objects.filter(pk__in=ids).values_list("stage", flat=True)) == {"personalised"}
    assert CardKey.objects.filter(card_id__in=ids).count() == 2
    assert CardCertificate.objects.filter(card_id__in=ids).count() == 2
    # a second call finds nothing ordered: no second key, no second certificate
    with transaction.atomic():
        assert cards_personalise_in_transaction(card_ids=ids) == 0
    assert CardCertificate.objects.filter(card_id__in=ids).count() == 2


def test_a_failure_later_in_the_callers_transaction_leaves_nothing() -> None:
    batch = formed_batch(1)
    (card_id,) = Card.objects.filter(batch_entry__batch=batch).values_list("pk", flat=True)

    def hand_over_failing() -> None:
        with transaction.atomic():
            cards_personalise_in_transaction(card_ids=[card_id])
            raise RuntimeError("the hand-over failed")

    with pytest.raises(RuntimeError):
        hand_over_failing()
    assert Card.objects.get(pk=card_id).stage == "ordered"
    assert not CardKey.objects.filter(card_id=card_id).exists()

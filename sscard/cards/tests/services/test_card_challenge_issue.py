"""card_challenge_issue (卡片认证): a nonce for a known card to sign, kept for the party that
asked, for two minutes; an unknown card gets only ``unknown``; only verifiers may ask."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import CardChallenge
from sscard.cards.services import card_challenge_issue
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.testing.card_life import card_of, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def made_card():
    unit = beijing_pilot_unit()
    produce(day=BJ_PILOT_DAY)
    return card_of(unit.applications[0])


def test_a_challenge_is_kept_for_the_party_that_asked_for_two_minutes(made_card):
    # given a relying party in front of a card the factory made
    party = hospital()
    # when it asks twice
    first = card_challenge_issue(actor=party, card_number=made_card.card_number)
    second = card_challenge_issue(actor=party, card_number=made_card.card_number)
    # then each challenge has its own code and 32-byte nonce, kept for that party and card
    assert first.code != second.code
    assert first.nonce != second.nonce
    kept = CardChallenge.objects.get(code=first.code)
    assert (kept.card_id, kept.relying_party_id) == (made_card.pk, party.relying_party_id)
    assert bytes(kept.nonce) == first.nonce
    assert len(first.nonce or b"") == 32
    assert kept.expires_at - kept.created_at == timedelta(minutes=2)
    assert first.expires_at == kept.expires_at
    assert (kept.answered_at, kept.authenticated) == (None, None)
    # and the answer carries the card's verification
    assert first.verification.status == "not_enabled"


def test_an_unknown_card_gets_no_challenge_only_unknown():
    issued = card_challenge_issue(
        actor=hospital(), card_number="C00012346"
    )  # well formed, never issued
    assert (issued.code, issued.verification.status) == (None, "unknown")
    assert not CardChallenge.objects.exists()


def test_only_verifiers_may_challenge(made_card):
    with pytest.raises(ApplicationError) as caught:
        card_challenge_issue(
            actor=Actor(role=Role.CARDHOLDER, label="h", person_id=made_card.person_id),
            card_number=made_card.card_number,
        )
    assert caught.value.code == "permission_denied"

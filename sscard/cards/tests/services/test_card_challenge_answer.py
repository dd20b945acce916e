"""card_challenge_answer (卡片认证): the virtual card signs, the platform checks with the card
certificate; a challenge is the asking party's own, answered once, within two minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import CardChallenge
from sscard.cards.services import card_challenge_answer, card_challenge_issue
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.gm import Sm2PrivateKey
from sscard.production.virtual_card import VirtualCard
from sscard.testing.card_life import card_of, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def made_card():
    unit = beijing_pilot_unit()
    produce(day=BJ_PILOT_DAY)
    return card_of(unit.applications[0])


def test_the_virtual_card_answers_and_the_platform_authenticates_it(made_card):
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert issued.code
    assert issued.nonce
    assert len(issued.nonce) == 32
    signature = VirtualCard(made_card).answer(issued.nonce)
    outcome = card_challenge_answer(actor=party, code=issued.code, signature=signature)
    assert (outcome.authenticated, outcome.reason) == (True, "ok")
    assert outcome.verification.status == "not_enabled"


def test_a_signature_by_another_key_does_not_authenticate(made_card):
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert issued.code
    assert issued.nonce
    forged = Sm2PrivateKey.generate().sign(issued.nonce)
    outcome = card_challenge_answer(actor=party, code=issued.code, signature=forged)
    assert (outcome.authenticated, outcome.reason) == (False, "signature_invalid")
    challenge = CardChallenge.objects.get(code=issued.code)
    assert (challenge.answered_at is not None, challenge.authenticated) == (True, False)


def test_another_relying_party_cannot_answer_and_the_challenge_is_untouched(made_card):
    party, other = hospital(), hospital()
    issued = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert issued.code
    assert issued.nonce
    signature = VirtualCard(made_card).answer(issued.nonce)
    with pytest.raises(ApplicationError) as caught:
        card_challenge_answer(actor=other, code=issued.code, signature=signature)
    assert caught.value.code == "not_found"
    assert CardChallenge.objects.get(code=issued.code).answered_at is None


def test_a_challenge_is_answered_once_and_not_after_it_expires(made_card):
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert issued.code
    assert issued.nonce
    signature = VirtualCard(made_card).answer(issued.nonce)
    card_challenge_answer(actor=party, code=issued.code, signature=signature)
    with pytest.raises(ApplicationError) as caught:
        card_challenge_answer(actor=party, code=issued.code, signature=signature)
    assert caught.value.code == "challenge_used"
    late = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert late.code
    assert late.nonce
    CardChallenge.objects.filter(code=late.code).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ApplicationError) as caught:
        card_challenge_answer(
            actor=party, code=late.code, signature=VirtualCard(made_card).answer(late.nonce)
        )
    assert caught.value.code == "challenge_expired"


def test_the_answer_is_audited_with_the_challenge_s_start_only(made_card):
    party = hospital()
    issued = card_challenge_issue(actor=party, card_number=made_card.card_number)
    assert issued.code
    assert issued.nonce
    card_challenge_answer(
        actor=party, code=issued.code, signature=VirtualCard(made_card).answer(issued.nonce)
    )
    event = AuditEvent.objects.get(action="card_challenge_answer")
    assert event.object_id == str(made_card.pk)
    assert event.changes == {"challenge": issued.code[:8], "authenticated": True}

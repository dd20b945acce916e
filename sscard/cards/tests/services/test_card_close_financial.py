"""card_close_financial: the holder's choice at the issuing bank, separate from the SS function
(BJ-10: the old card's account may be closed, or kept)."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, branch
from sscard.cards.services import card_activate_financial, card_close_financial, card_enable
from sscard.cards.tests.support import card, person
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.card_life import clerk_of

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def test_closing_the_account_is_separate_from_the_ss_function(collected):
    unit, card_ = collected
    clerk = clerk_of(unit.outlet)
    card_enable(actor=clerk, card=card_, today=DAY)
    card_activate_financial(actor=clerk, card=card_, today=DAY)
    closed = card_close_financial(actor=clerk_of(branch("ICBC")), card=card_)
    assert (closed.financial_function, closed.ss_function) == ("closed", "enabled")
    with pytest.raises(ApplicationError) as caught:
        card_close_financial(actor=clerk, card=card_)
    assert caught.value.code == "financial_not_active"


def test_another_bank_cannot_close_the_account():
    old = card(person(), generation=2, ss_function="invalid", financial_function="activated")
    with pytest.raises(ApplicationError) as caught:
        card_close_financial(actor=clerk_of(branch("BOC")), card=old)
    assert caught.value.code == "financial_activation_wrong_bank"
    old.refresh_from_db()
    assert old.financial_function == "activated"


def test_closing_is_audited_on_the_card():
    old = card(person(), generation=2, ss_function="invalid", financial_function="activated")
    closed = card_close_financial(actor=clerk_of(branch("ICBC")), card=old)
    assert closed.financial_changed_at is not None
    event = AuditEvent.objects.get(action="card_close_financial")
    assert event.object_id == str(old.pk)
    assert event.changes == {"financial_function": ["activated", "closed"]}

"""card_activate_financial: the issuing bank only, never online; the pack decides whether
activation also enables the SS function."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, branch, centre, holder
from sscard.cards.services import (
    card_activate_financial,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.card_life import clerk_of, dispatch, produce

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def test_the_branch_that_handed_the_card_over_activates_it(collected):
    unit, card_ = collected
    card_ = card_activate_financial(actor=clerk_of(unit.outlet), card=card_, today=DAY)
    assert card_.financial_function == "activated"
    assert card_.financial_changed_at is not None
    # Beijing's branch pickup keeps the two functions separate: the SS one is still off
    assert card_.ss_function == "not_enabled"
    assert AuditEvent.objects.filter(action="card_activate_financial").count() == 1


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("holder", "financial_activation_online_refused"),
        ("other_bank", "financial_activation_wrong_bank"),
        ("centre", "financial_activation_wrong_bank"),
        ("same_bank_elsewhere", "financial_activation_path"),
    ],
)
def test_activation_anywhere_else_is_refused_and_nothing_changes(collected, where, code):
    # Beijing's branch pickup activates on site only (BJ-08 (1)); the post's, at any outlet
    _unit, card_ = collected
    actor = {
        "holder": lambda: holder(card_.person),
        "other_bank": lambda: clerk_of(branch("BOC")),
        "centre": lambda: clerk_of(centre()),
        "same_bank_elsewhere": lambda: clerk_of(branch("ICBC")),
    }[where]()
    events = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        card_activate_financial(actor=actor, card=card_, today=DAY)
    assert caught.value.code == code
    card_.refresh_from_db()
    assert card_.financial_function == "not_activated"
    assert AuditEvent.objects.count() == events


def test_a_card_not_yet_handed_over_is_not_activated():
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=DAY))
    from sscard.testing.card_life import card_of

    in_transit = card_of(unit.applications[0])
    with pytest.raises(ApplicationError) as caught:
        card_activate_financial(actor=clerk_of(unit.outlet), card=in_transit, today=DAY)
    assert caught.value.code == "card_not_handed_over"


def test_activating_twice_is_refused(collected):
    unit, card_ = collected
    card_activate_financial(actor=clerk_of(unit.outlet), card=card_, today=DAY)
    with pytest.raises(ApplicationError) as caught:
        card_activate_financial(actor=clerk_of(unit.outlet), card=card_, today=DAY)
    assert caught.value.code == "financial_not_activatable"

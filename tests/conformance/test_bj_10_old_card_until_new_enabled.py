"""BJ-10: the old card answers "valid" until the new card's SS function is enabled, then
"replaced"; it is not recalled and its financial account stays the holder's choice; a pilot
target's replacement is a third-generation card, anyone else's the old style."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, branch, clerk
from sscard.cards.services import (
    card_close_financial,
    card_enable,
    card_replacement_apply,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit, status
from sscard.cards.tests.support import card
from sscard.testing.card_life import clerk_of, collect_at, dispatch, produce
from sscard.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def test_bj_10_the_old_card_is_valid_until_the_new_one_is_enabled_then_replaced() -> None:
    # given a pilot target who holds an enabled 2nd-generation card with a bank account
    unit = beijing_pilot_unit()
    person = unit.staff[0]
    old = card(person, generation=2, ss_function="enabled", financial_function="activated")
    # when the new card is made and handed over, not yet enabled
    dispatch(produce(day=DAY))
    new = collect_at(unit.outlet, unit.applications[0])
    # then the old card still answers valid and the new one not yet enabled
    assert (status(old.card_number, DAY), status(new.card_number, DAY)) == (
        "valid",
        "not_enabled",
    )
    # when the new card is enabled
    card_enable(actor=clerk_of(unit.outlet), card=new, today=DAY)
    # then the old card answers replaced and the new one valid
    assert (status(old.card_number, DAY), status(new.card_number, DAY)) == ("replaced", "valid")
    # and it is not recalled: its bank account is left as it was, the holder's to close
    old.refresh_from_db()
    assert old.financial_function == "activated"
    old_bank = branch(old.bank_code)
    card_close_financial(actor=clerk_of(old_bank), card=old)
    old.refresh_from_db()
    assert old.financial_function == "closed"
    assert status(new.card_number, DAY) == "valid"


def test_bj_10_a_pilot_targets_replacement_is_third_generation_anyone_elses_the_old_style() -> None:
    # given a pilot target whose 3rd-generation card is in force, and a Chaoyang employee (not
    # a target) with a card of the old system
    unit = beijing_pilot_unit()
    dispatch(produce(day=DAY))
    target_card = collect_at(unit.outlet, unit.applications[0])
    card_enable(actor=clerk_of(unit.outlet), card=target_card, today=DAY)
    other = PersonFactory.create(insured_region="110105", hukou_region="110105")
    other_card = card(other, generation=2, ss_function="enabled")
    desk = branch("ICBC")
    # when each applies for a replacement of a damaged card at a bank outlet
    target_app = card_replacement_apply(
        actor=clerk(desk),
        card=target_card,
        reason="damaged",
        channel="bank_outlet",
        day=DAY,
        pickup="branch",
    )
    other_app = card_replacement_apply(
        actor=clerk(desk), card=other_card, reason="damaged", channel="bank_outlet", day=DAY
    )
    # then the engine gives the target a 3rd-generation card, the other the old style
    assert (target_app.card_generation, target_app.clause) == (3, "BJ-11")
    assert (other_app.card_generation, other_app.clause) == (2, "BJ-10")
    # and a damaged card stays in use until its replacement is enabled
    assert status(target_card.card_number, DAY) == "valid"

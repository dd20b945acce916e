"""BJ-10: the old card answers "valid" until the new card's SS function is enabled, then
"replaced"; it is not recalled and its financial account stays the holder's choice."""

from __future__ import annotations

import pytest

from sscard.cards.services import card_enable, card_issue_for_application
from sscard.cards.tests.support import (
    SYSTEM,
    TODAY,
    application,
    card,
    clerk,
    in_force,
    person,
)
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role

pytestmark = pytest.mark.django_db

HOSPITAL = Actor(role=Role.RELYING_PARTY, label="hospital", relying_party_id=1)


def status(number: str) -> str:
    return str(card_verify(actor=HOSPITAL, card_number=number, today=TODAY).status)


def test_bj_10_the_old_card_is_valid_until_the_new_one_is_enabled_then_replaced() -> None:
    # given a holder of an enabled 2nd-generation card with an activated bank account
    holder = person()
    old = card(holder, generation=2, ss_function="enabled", financial_function="activated")
    # when the new card is issued, made and handed over
    new = card_issue_for_application(
        actor=SYSTEM, application=application(in_force(), holder), today=TODAY
    )
    new.stage = "handed_over"
    new.save(update_fields=["stage"])
    # then the old card still answers valid and the new one not yet enabled
    assert (status(old.card_number), status(new.card_number)) == ("valid", "not_enabled")
    # when the new card is enabled
    card_enable(actor=clerk(), card=new, today=TODAY)
    # then the old card answers replaced and the new one valid
    assert (status(old.card_number), status(new.card_number)) == ("replaced", "valid")
    # and the old card's financial account is left to the holder (not closed with it)
    old.refresh_from_db()
    assert old.financial_function == "activated"

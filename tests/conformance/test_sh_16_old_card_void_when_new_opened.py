"""SH-16: old and new cards run in parallel; once the new card is collected and opened the
old one is void."""

from __future__ import annotations

import pytest

from sscard.cards.services import card_enable
from sscard.cards.tests.support import TODAY, card, holder_actor, person
from sscard.cards.verify import card_verify
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError

pytestmark = pytest.mark.django_db

HUANGPU = "310101"
PHARMACY = Actor(role=Role.RELYING_PARTY, label="pharmacy", relying_party_id=1)


def status(number: str) -> str:
    return str(card_verify(actor=PHARMACY, card_number=number, today=TODAY).status)


def test_sh_16_the_old_card_runs_until_the_new_one_is_collected_and_opened() -> None:
    # given a Shanghai holder with an enabled old card and a new card still at the outlet
    holder = person(hukou_region=HUANGPU, insured_region=HUANGPU)
    old = card(holder, generation=2, ss_function="enabled")
    new = card(holder, stage="at_outlet")
    # then the two run in parallel: a card not yet collected cannot be opened
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=holder_actor(holder), card=new, today=TODAY)
    assert caught.value.code == "card_not_handed_over"
    assert status(old.card_number) == "valid"
    # when the holder collects it and opens it
    new.stage = "handed_over"
    new.save(update_fields=["stage"])
    card_enable(actor=holder_actor(holder), card=new, today=TODAY)
    # then the old card is void
    assert (status(old.card_number), status(new.card_number)) == ("replaced", "valid")

"""Two clerks enabling two new cards of one person at once leave exactly one enabled."""

from __future__ import annotations

from functools import partial

import pytest

from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.cards.tests.support import TODAY, card, clerk, person
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on row locks"),
    pytest.mark.django_db(transaction=True),
]


def test_two_enablings_at_once_leave_exactly_one_card_in_force():
    # given a person with an enabled old card and two new cards handed over
    holder = person()
    old = card(holder, generation=2, ss_function="enabled")
    # (of two generations: one card in force or on its way per generation, issue 9 point 6)
    first = card(holder)
    second = card(holder, generation=1)

    def enable(target: Card) -> str:
        card_enable(actor=clerk(), card=target, today=TODAY)
        return "ok"

    # when two clerks enable them on two connections at the same moment
    outcomes = race({c.pk: partial(enable, c) for c in (first, second)}, timeout=30)
    # then both succeed one after the other and exactly one card is in force
    assert outcomes == {first.pk: "ok", second.pk: "ok"}, outcomes
    enabled = list(Card.objects.filter(person=holder, ss_function="enabled"))
    assert len(enabled) == 1
    assert enabled[0].pk in (first.pk, second.pk)
    assert set(
        Card.objects.filter(person=holder, ss_function="invalid").values_list("pk", flat=True)
    ) == {old.pk, first.pk, second.pk} - {enabled[0].pk}

"""Two runs of the renewal notices at once on PostgreSQL (the daily sweep and an officer's
button): every holder is told exactly once, and each card has one notice. The notice's unique
index makes the second run skip the cards the first noted, and it tells only its own."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pytest

from sscard.applications.tests.support import in_force
from sscard.cards.models import CardRenewalNotice
from sscard.cards.services.expiry import (
    SWEEP_ACTOR,
    RenewalNoticeSummary,
    card_renewal_notices_send,
)
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor, Role
from sscard.notifications.models import OutboxMessage
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: two connections noting the same cards at once (SQLite "
        "serialises every writer, so there is no race to lose)"
    ),
    pytest.mark.django_db(transaction=True),
]
TODAY = date(2025, 6, 2)
OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", city_code="110000")


def _race() -> list[RenewalNoticeSummary]:
    actors = (SWEEP_ACTOR, OFFICER)
    calls = {
        n: partial(card_renewal_notices_send, actor=a, today=TODAY) for n, a in enumerate(actors)
    }
    outcomes = race(calls)
    done = [o for o in outcomes.values() if isinstance(o, RenewalNoticeSummary)]
    assert len(done) == len(outcomes), outcomes
    return done


def test_two_runs_at_once_tell_each_holder_once():
    in_force("beijing-2024")
    cards = [card(person(), valid_until=TODAY + timedelta(days=10 + n)) for n in range(6)]
    outcomes = _race()
    assert len(outcomes) == 2
    assert sum(o.cards for o in outcomes) == len(cards)
    assert sum(o.queued for o in outcomes) == len(cards)
    assert CardRenewalNotice.objects.count() == len(cards)
    for c in cards:
        assert OutboxMessage.objects.filter(person_id=c.person_id).count() == 1

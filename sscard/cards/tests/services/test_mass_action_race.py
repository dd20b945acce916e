"""Two officers approve the same mass action at the same moment on PostgreSQL: it is applied
once (one job, each card changed and audited once), the second is told it is no longer
pending."""

from __future__ import annotations

from collections import Counter
from functools import partial

import pytest

from sscard.cards.models import Card, MassAction
from sscard.cards.services.mass import mass_action_counts, mass_action_propose
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor, Role
from sscard.core.approvals import approval_decide
from sscard.core.models import Approval, AuditEvent, BackgroundJob
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections deciding one row at once"),
    pytest.mark.django_db(transaction=True),
]

CITY = "110000"
MAKER = Actor(role=Role.CITY_OFFICER, label="maker", user_id=1, city_code=CITY)
CHECKERS = [
    Actor(role=Role.CITY_OFFICER, label=f"checker{n}", user_id=10 + n, city_code=CITY)
    for n in range(2)
]


def test_two_checkers_at_once_apply_the_mass_action_once() -> None:
    cards = [card(person()) for _ in range(4)]
    action = mass_action_propose(
        actor=MAKER,
        kind="cancel",
        selection="list",
        value="\n".join(c.card_number for c in cards),
        reason="整批作废",
    )
    assert action.approval_id is not None

    def run(checker: Actor) -> str:
        approval_decide(actor=checker, approval_id=action.approval_id or 0, approve=True)
        return "applied"

    outcomes = race({checker.label: partial(run, checker) for checker in CHECKERS})

    assert sorted(outcomes.values()) == ["applied", "approval_not_pending"]
    assert Approval.objects.get(pk=action.approval_id).state == Approval.State.APPLIED
    assert BackgroundJob.objects.filter(kind="card_mass_action").count() == 1
    assert MassAction.objects.get(pk=action.pk).state == "applied"
    assert mass_action_counts(action.pk)["done"] == 4
    assert Card.objects.filter(ss_function="cancelled").count() == 4
    per_card = Counter(
        AuditEvent.objects.filter(action="card_cancel").values_list("object_id", flat=True)
    )
    assert per_card == Counter({str(c.pk): 1 for c in cards})

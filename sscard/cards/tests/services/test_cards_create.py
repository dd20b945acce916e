"""cards_create: one card per order, written in one statement inside the caller's transaction,
its record from the pack the order names and its codes from one reserved run of serials."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction

from sscard.applications.models import Application
from sscard.cards.models import Card, CardCounter
from sscard.cards.services import CardOrder, cards_create
from sscard.cards.tests.support import SYSTEM, TODAY, application, card, in_force, person
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.kernel.cardcodes import card_identification_code, card_number

pytestmark = pytest.mark.django_db


def _order(app: Application, **changes: Any) -> CardOrder:
    values: dict[str, Any] = {
        "application_id": app.pk,
        "person_id": app.person_id,
        "region": "110102",
        "generation": 3,
        "pack_hash": app.pack_hash,
        "bank_code": "ICBC",
    }
    values.update(changes)
    return CardOrder(**values)


def test_each_order_gets_a_card_with_consecutive_serials_and_one_audit_event():
    # given two applications decided under the Beijing pack
    campaign = in_force()
    apps = [application(campaign, person()) for _ in range(2)]
    # when their cards are written in one transaction
    with transaction.atomic():
        ids = cards_create(actor=SYSTEM, orders=[_order(a) for a in apps], today=TODAY)
    # then each is an ordered third-generation card with codes from consecutive serials
    cards = list(Card.objects.filter(pk__in=ids).order_by("pk"))
    assert [c.application_id for c in cards] == [a.pk for a in apps]
    first = CardCounter.objects.get(name="card").value - 1
    for n, made in enumerate(cards):
        assert made.card_number == card_number("C", first + n)
        assert made.card_id_code == card_identification_code("110102", first + n)
        assert (made.stage, made.ss_function, made.block) == ("ordered", "not_enabled", "none")
        assert (made.issued_on, made.valid_until) == (TODAY, date(2034, 3, 3))
        assert made.interfaces == ["contact", "contactless"]
    # and one audit event names the cards, their applications and the serials
    event = AuditEvent.objects.get(action="card_order")
    assert event.object_id == f"{ids[0]}-{ids[-1]}"
    assert event.changes["cards"] == 2
    assert event.changes["serials"] == [first, first + 1]
    assert event.changes["remakes"] == 0
    assert event.pack_hash == campaign.pack_hash
    # the applications themselves are the caller's to complete
    assert {a.status for a in apps} == {"submitted"}


def test_a_replacement_order_takes_the_place_of_the_card_it_replaces():
    campaign = in_force()
    holder = person()
    old = card(holder, generation=3, ss_function="enabled")
    app = application(campaign, holder)
    with transaction.atomic():
        (new_id,) = cards_create(
            actor=SYSTEM, orders=[_order(app, replaces_id=old.pk)], today=TODAY
        )
    old.refresh_from_db()
    assert old.replaced_by_id == new_id
    event = AuditEvent.objects.get(action="card_order")
    assert event.changes["replaces"] == {str(new_id): old.pk}


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"pack_hash": "0" * 64}, "card_pack_unknown"),
        ({"generation": 7}, "card_generation_unknown"),
    ],
)
def test_an_order_the_pack_cannot_answer_is_refused_and_nothing_is_written(changes, code):
    app = application(in_force(), person())
    with pytest.raises(ApplicationError) as caught, transaction.atomic():
        cards_create(actor=SYSTEM, orders=[_order(app, **changes)], today=TODAY)
    assert (caught.value.code, caught.value.status) == (code, 422)
    assert not Card.objects.exists()
    assert not AuditEvent.objects.filter(action="card_order").exists()


def test_nothing_to_order_writes_nothing():
    with transaction.atomic():
        assert cards_create(actor=SYSTEM, orders=[], today=TODAY) == []
    assert not AuditEvent.objects.filter(action="card_order").exists()


# Outside any test transaction, as a caller that forgot its own would be.
@pytest.mark.django_db(transaction=True)
def test_it_runs_only_inside_the_transaction_of_the_change():
    app = application(in_force(), person())
    with pytest.raises(RuntimeError, match="cards_create must run inside"):
        cards_create(actor=SYSTEM, orders=[_order(app)], today=TODAY)
    assert not Card.objects.exists()

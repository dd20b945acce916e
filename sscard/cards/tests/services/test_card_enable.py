"""Enabling a card's social-security function invalidates the previous card at once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.cards.status import card_status
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import SYSTEM, TODAY, card, clerk, holder_actor, person
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.services import outlet_receive
from sscard.production.services import batches_form
from sscard.testing.card_life import (
    OPERATOR,
    card_of,
    clerk_of,
    dispatch,
    factory_round_trip,
    personalise,
    produce,
)

pytestmark = pytest.mark.django_db


def test_enabling_the_new_card_replaces_the_old_one_in_one_step():
    # given a person whose old card is enabled and whose new card is handed over
    holder = person()
    old = card(holder, generation=2, ss_function="enabled")
    new = card(holder)
    assert card_status(old, today=TODAY) == "valid"
    # when the clerk enables the new card
    card_enable(actor=clerk(), card=new, today=TODAY)
    # then the old card is replaced and the new one valid, both audited
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.ss_function == "invalid"
    assert card_status(old, today=TODAY) == "replaced"
    assert card_status(new, today=TODAY) == "valid"
    assert new.enabled_at is not None
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"card_enable", "card_invalidate"} <= actions


def test_a_first_card_is_enabled_without_touching_anything_else():
    holder, other = person(), person()
    others_card = card(other, ss_function="enabled")
    mine = card(holder)
    card_enable(actor=holder_actor(holder), card=mine, today=TODAY)
    others_card.refresh_from_db()
    assert others_card.ss_function == "enabled"
    assert Card.objects.filter(ss_function="enabled").count() == 2


def _on_its_way(*, defective: bool = False) -> tuple[Card, Card]:
    """A pilot target's new card at its outlet (or come back defective from the factory), and
    the second-generation card in force they hold meanwhile."""
    unit = beijing_pilot_unit()
    old = card(unit.staff[0], generation=2, ss_function="enabled")
    if defective:
        (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
        personalise(batch)
        made = card_of(unit.applications[0])
        factory_round_trip(batch, day=BJ_PILOT_DAY, defective={made.card_number})
        made.refresh_from_db()
        return made, old
    dispatch(produce(day=BJ_PILOT_DAY))
    outlet_receive(actor=clerk_of(unit.outlet))
    return card_of(unit.applications[0]), old


def _legacy(**facets: str) -> tuple[Card, Card | None]:
    return card(person(), **facets), None


@pytest.mark.parametrize(
    ("given", "code"),
    [
        (lambda: _legacy(ss_function="enabled"), "card_not_enableable"),
        (lambda: _legacy(ss_function="cancelled"), "card_not_enableable"),
        (_on_its_way, "card_not_handed_over"),
        # the factory's defective card is void as well as never handed over
        (lambda: _on_its_way(defective=True), "card_not_enableable"),
        (lambda: _legacy(block="formal"), "card_not_enableable"),
    ],
    ids=["enabled", "cancelled", "at_outlet", "defective", "blocked"],
)
def test_a_card_that_cannot_be_enabled_is_refused_and_nothing_changes(given, code):
    target, old = given()
    assert target.stage in ("handed_over", "at_outlet", "defective")
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=SYSTEM, card=target, today=TODAY)
    assert caught.value.code == code
    if old is not None:
        old.refresh_from_db()
        assert old.ss_function == "enabled"
    assert not AuditEvent.objects.filter(action="card_enable").exists()


def test_an_expired_card_is_not_enabled():
    target = card(person(), valid_until=TODAY.replace(year=2023))
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=SYSTEM, card=target, today=TODAY)
    assert caught.value.code == "card_not_enableable"


def test_a_holder_may_not_enable_someone_elses_card():
    target = card(person())
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=holder_actor(person()), card=target, today=TODAY)
    assert caught.value.code == "not_found"


def test_a_relying_party_may_not_enable_cards():
    target = card(person())
    actor = Actor(role=Role.RELYING_PARTY, label="rp", relying_party_id=1)
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=actor, card=target, today=TODAY)
    assert caught.value.code == "permission_denied"


def test_the_database_holds_one_enabled_card_per_person():
    holder = person()
    card(holder, generation=2, ss_function="enabled")
    new = card(holder)
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=new.pk).update(ss_function="enabled")

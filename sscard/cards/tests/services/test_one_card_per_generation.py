"""One card in force or on its way per person and generation, at ordering (issue 9, point 6).

``cards_order`` — the one builder every channel's card goes through — never makes a second
current card of a generation for a person; a replacement takes the place of the card it
replaces (``replaced_by``), which keeps answering as before until the new card is enabled; and
the partial unique index refuses a second current card whatever writes it.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from sscard.applications.models import Application
from sscard.applications.tests.support import BJ_PILOT_DAY, branch, clerk
from sscard.cards.models import Card
from sscard.cards.services import (
    CardOrder,
    card_enable,
    card_replacement_apply,
    cards_create,
    cards_order,
)
from sscard.cards.tests.scenarios import beijing_pilot_unit, status
from sscard.cards.tests.support import (
    SYSTEM,
    TODAY,
    application,
    card,
    card_ordered,
    in_force,
    person,
)
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.services import replacement_instant
from sscard.testing.card_life import clerk_of, collect_at, dispatch, id_number_of, produce

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


def _written() -> tuple[object, ...]:
    return (
        Card.objects.count(),
        AuditEvent.objects.count(),
        list(Application.objects.order_by("pk").values_list("status", flat=True)),
        list(Card.objects.order_by("pk").values_list("replaced_by_id", flat=True)),
    )


def test_ordering_a_second_card_of_the_generation_is_refused_and_nothing_is_written() -> None:
    # given a person with a third-generation card on its way, and an application of theirs for
    # another one that slipped in before the card existed
    campaign = in_force()
    holder = person()
    card_ordered(holder, campaign=campaign)
    second = application(campaign, holder, generation=3)
    before = _written()
    # when production orders the cards of the submitted applications
    with pytest.raises(ApplicationError) as caught:
        cards_order(actor=SYSTEM, application_ids=[second.pk], today=TODAY)
    # then the order is refused with the stable code and nothing is written
    assert caught.value.code == "card_already_held"
    assert caught.value.details["application_ids"] == [second.pk]
    assert _written() == before


def test_a_void_card_leaves_the_place_free() -> None:
    campaign = in_force()
    holder = person()
    card(holder, generation=3, ss_function="cancelled")
    card(holder, generation=3, ss_function="invalid")
    app = application(campaign, holder, generation=3)
    (new_id,) = cards_order(actor=SYSTEM, application_ids=[app.pk], today=TODAY)
    assert Card.objects.get(pk=new_id).generation == 3


def test_a_lost_third_generation_card_is_still_replaced_at_an_instant_point() -> None:
    # given a pilot target whose third-generation card is in force
    unit = beijing_pilot_unit()
    dispatch(produce(day=DAY))
    old = collect_at(unit.outlet, unit.applications[0])
    card_enable(actor=clerk_of(unit.outlet), card=old, today=DAY)
    # when it is lost and replaced while the holder waits
    point = branch("ICBC", instant_issuance=True)
    new = replacement_instant(
        actor=clerk(point), card=old, reason="lost", id_number=id_number_of(old.person), day=DAY
    )
    # then the new card is third-generation, in force, and names the card it replaced
    old.refresh_from_db()
    assert (new.generation, new.ss_function) == (3, "enabled")
    assert old.replaced_by_id == new.pk
    assert status(old.card_number, DAY) == "replaced"


def test_a_damaged_card_is_replaced_and_answers_valid_until_the_new_one_is_enabled() -> None:
    # given a pilot target's third-generation card in force, replaced for damage at a bank
    unit = beijing_pilot_unit()
    dispatch(produce(day=DAY))
    old = collect_at(unit.outlet, unit.applications[0])
    card_enable(actor=clerk_of(unit.outlet), card=old, today=DAY)
    desk = branch("ICBC")
    app = card_replacement_apply(
        actor=clerk(desk), card=old, reason="damaged", channel="bank_outlet", day=DAY,
        pickup="branch",
    )  # fmt: skip
    assert app.card_generation == 3
    # when production orders the replacement
    (new_id,) = cards_order(actor=SYSTEM, application_ids=[app.pk], today=DAY)
    # then the old card gives up its place to the new one and still answers valid
    old.refresh_from_db()
    assert old.replaced_by_id == new_id
    assert status(old.card_number, DAY) == "valid"
    assert Card.current().filter(person=old.person, generation=3).get().pk == new_id
    audit = AuditEvent.objects.filter(action="card_order").latest("pk")
    assert audit.changes["replaces"] == {str(new_id): old.pk}
    # and a second replacement of the same card is refused: its replacement is on its way
    # (the counter's predicate says so first; the index holds it whatever the path)
    with pytest.raises(ApplicationError) as caught:
        card_replacement_apply(
            actor=clerk(desk), card=old, reason="damaged", channel="bank_outlet", day=DAY,
            pickup="branch",
        )  # fmt: skip
    assert caught.value.code == "replacement_already_applied"


def test_the_builder_answers_the_stable_code_when_the_index_refuses() -> None:
    # given a person holding a current third-generation card, and an order that skips the check
    campaign = in_force()
    holder = person()
    card(holder, generation=3, ss_function="enabled")
    app = application(campaign, holder, generation=3)
    order = CardOrder(
        application_id=app.pk,
        person_id=holder.pk,
        region="110102",
        generation=3,
        pack_hash=campaign.pack_hash,
        bank_code="ICBC",
    )
    # when the builder writes it, the partial unique index refuses with the stable code
    with pytest.raises(ApplicationError) as caught, transaction.atomic():
        cards_create(actor=SYSTEM, orders=[order], today=TODAY)
    assert caught.value.code == "card_already_held"
    assert Card.objects.filter(person=holder).count() == 1


def test_the_database_holds_one_current_card_per_person_and_generation() -> None:
    holder = person()
    first = card_ordered(holder)
    card(holder, generation=2, ss_function="enabled")  # another generation: no conflict
    # a void card of the generation stands beside it, and may not come back into force
    second = card(holder, generation=3, ss_function="cancelled")
    with pytest.raises(IntegrityError), transaction.atomic():
        Card.objects.filter(pk=second.pk).update(ss_function="not_enabled")
    # a card that replaces the first one may stand beside it once the first names it
    with transaction.atomic():
        Card.objects.filter(pk=first.pk).update(replaced_by=second)
        Card.objects.filter(pk=second.pk).update(ss_function="not_enabled")
    assert list(Card.current().filter(person=holder, generation=3)) == [second]

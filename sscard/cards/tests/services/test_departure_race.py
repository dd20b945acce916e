"""A death recorded at the very moment the clerk hands the card over: afterwards either the
hand-over was refused or the card handed over is cancelled — never a card in force, or one
that can still be enabled, for a departed person."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.cards.services.departure import departure_record
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.services import outlet_receive
from sscard.delivery.services.handover import card_hand_over
from sscard.registry.models import Departure, Person
from sscard.testing.card_life import card_of, clerk_of, dispatch, id_number_of, produce
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(reason="needs PostgreSQL: two connections racing on row locks"),
    pytest.mark.django_db(transaction=True),
]

OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", user_id=921, city_code="110000")
ROUNDS = 4


def test_a_departure_racing_a_hand_over_never_leaves_an_active_card():
    # given cards waiting at the outlet for their holders
    unit = beijing_pilot_unit(size=ROUNDS)
    dispatch(produce(day=BJ_PILOT_DAY))
    clerk = clerk_of(unit.outlet)
    outlet_receive(actor=clerk)
    seen: set[str] = set()
    for application in unit.applications:
        c = card_of(application)
        holder = c.person

        def hand_over(target: Card) -> str:
            card_hand_over(actor=clerk, card=target, id_number=id_number_of(target.person))
            return "ok"

        def record(person: Person) -> str:
            departure_record(
                actor=OFFICER,
                person=person,
                kind="death",
                on=BJ_PILOT_DAY - timedelta(days=1),
                reference=f"SW-{person.pk}",
                today=BJ_PILOT_DAY,
            )
            return "ok"

        # when the clerk hands it over while an officer records the holder's death
        outcomes = race({"hand_over": partial(hand_over, c), "departure": partial(record, holder)})
        # then the death is recorded, the card is cancelled whoever came first ...
        assert outcomes["departure"] == "ok", outcomes
        assert outcomes["hand_over"] in ("ok", "hand_over_card_cancelled"), outcomes
        seen.add(outcomes["hand_over"])
        c.refresh_from_db()
        assert c.ss_function == "cancelled"
        if outcomes["hand_over"] != "ok":
            assert c.stage == "at_outlet"
            assert c.handed_over_at is None
        # ... and it can never be enabled
        if c.stage == "handed_over":
            with pytest.raises(ApplicationError):
                card_enable(actor=clerk, card=c, today=BJ_PILOT_DAY)
        assert not Card.objects.filter(
            person__departed_on__isnull=False, ss_function="enabled"
        ).exists()
    assert seen  # both orders are allowed; which one won is recorded for the reader


def test_two_officers_recording_one_death_at_once_record_it_once():
    # given a person with a card in force
    from sscard.cards.tests.support import TODAY, card, person

    holder = person()
    c = card(holder, ss_function="enabled")

    def record(reference: str) -> str:
        departure_record(
            actor=OFFICER,
            person=holder,
            kind="death",
            on=TODAY,
            reference=reference,
            today=TODAY,
        )
        return "ok"

    # when an officer and the civil-affairs file record it on two connections at once
    outcomes = race({r: partial(record, r) for r in ("SW-A", "SW-B")})
    # then one records it and the other is told it is recorded already
    assert sorted(outcomes.values()) == ["departure_already_recorded", "ok"]
    assert Departure.objects.filter(person=holder).count() == 1
    c.refresh_from_db()
    assert c.ss_function == "cancelled"


def test_a_death_recorded_while_production_orders_cards_neither_deadlocks_nor_leaves_a_card():
    # given a batch of submitted applications, one of a person about to be recorded dead
    from sscard.cards.services import cards_order
    from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person

    campaign = in_force()
    for n in range(ROUNDS):
        others = [application(campaign, person()) for _ in range(3)]
        holder = person()
        mine = application(campaign, holder)
        batch = sorted([*(a.pk for a in others), mine.pk])

        def order(ids: list[int]) -> str:
            cards_order(actor=SYSTEM, application_ids=ids, today=TODAY)
            return "ok"

        def record(person: Person, reference: str) -> str:
            departure_record(
                actor=OFFICER,
                person=person,
                kind="death",
                on=TODAY,
                reference=reference,
                today=TODAY,
            )
            return "ok"

        # when production orders the batch while an officer records the death
        outcomes = race(
            {"order": partial(order, batch), "departure": partial(record, holder, f"SW-{n}")}
        )
        # then both finish (no deadlock: a database error would be raised by the race), the
        # death is recorded, and the person's application is withdrawn or its card cancelled
        assert outcomes.get("departure") == "ok", outcomes
        assert outcomes.get("order") in ("ok", "application_not_open", "person_departed"), outcomes
        mine.refresh_from_db()
        cards = list(Card.objects.filter(person=holder))
        if outcomes["order"] == "ok":
            assert [c.ss_function for c in cards] == ["cancelled"]
        else:
            assert cards == []
            assert mine.status == "cancelled"
        assert not Card.objects.filter(
            person__departed_on__isnull=False, ss_function="enabled"
        ).exists()

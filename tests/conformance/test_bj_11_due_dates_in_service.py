"""BJ-11 through the services: a collective card is due 30 days after submission, a regular
replacement 4 working days after the application (the official calendar, 调休 included), an
instant replacement in the same visit; time in the post does not count; an overdue card shows
as overdue, per bank, outlet and district."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sscard.applications.tests.support import branch, clerk
from sscard.cards.models import Card
from sscard.cards.services import card_enable, card_replacement_apply
from sscard.cards.tests.scenarios import PilotUnit, beijing_pilot_unit, status
from sscard.core.actors import Actor, Role
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record, replacement_instant
from sscard.production.services import batches_form
from sscard.reports.selectors import card_is_overdue, overdue_by
from sscard.testing.card_life import (
    OPERATOR,
    card_of,
    clerk_of,
    collect_at,
    dispatch,
    factory_round_trip,
    id_number_of,
    personalise,
    produce,
)
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db
BUREAU = Actor(role=Role.CITY_OFFICER, label="bureau")


def test_bj_11_a_collective_card_is_due_30_days_after_submission_and_shows_overdue_after() -> None:
    # given a pilot unit's collective submitted on Mon 2024-03-04
    submitted = date(2024, 3, 4)
    unit = beijing_pilot_unit(day=submitted)
    app = unit.applications[0]
    # then the card is due 30 calendar days later (the start day not counted)
    assert app.due_date == date(2024, 4, 3)
    # when it is batched and personalised but the factory has not made it by then
    (batch,) = batches_form(actor=OPERATOR, today=submitted)
    personalise(batch)
    card = card_of(app)
    assert not card_is_overdue(card, today=date(2024, 4, 3))
    assert card_is_overdue(card, today=date(2024, 4, 4))
    # then the bureau sees it overdue, by bank, by outlet and by district
    late = date(2024, 4, 4)
    (by_bank,) = overdue_by(actor=BUREAU, today=late, by="bank")
    (by_outlet,) = overdue_by(actor=BUREAU, today=late, by="outlet")
    (by_district,) = overdue_by(actor=BUREAU, today=late, by="district")
    assert (by_bank.key, by_bank.count, by_bank.oldest_due) == ("ICBC", 1, date(2024, 4, 3))
    assert (by_outlet.key, by_outlet.count) == (unit.outlet.code, 1)
    assert (by_district.key, by_district.count) == (app.person.insured_region, 1)
    # and once the factory makes it, it is no longer overdue
    factory_round_trip(batch, day=late)
    assert overdue_by(actor=BUREAU, today=late, by="bank") == []


def test_bj_11_the_post_does_not_count_a_card_made_on_time_is_not_overdue() -> None:
    submitted = date(2024, 3, 4)
    unit = beijing_pilot_unit(day=submitted, pickup="post")
    dispatch(produce(day=date(2024, 4, 2)))  # made the day before it is due
    card = card_of(unit.applications[0])
    shipment = Shipment.objects.get(card=card)
    # the post takes three weeks
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=21),
    )
    card.refresh_from_db()
    assert card.stage == "handed_over"
    assert not card_is_overdue(card, today=date(2024, 4, 30))
    assert overdue_by(actor=BUREAU, today=date(2024, 4, 30), by="bank") == []


def _pilot_card_in_force(day: date) -> tuple[Card, PilotUnit]:
    unit = beijing_pilot_unit(day=day)
    dispatch(produce(day=day))
    card = collect_at(unit.outlet, unit.applications[0])
    return card_enable(actor=clerk_of(unit.outlet), card=card, today=day), unit


def test_bj_11_a_regular_replacement_is_due_in_4_working_days_over_the_spring_festival() -> None:
    # given a pilot target whose 3rd-generation card was enabled in February 2024
    card, _unit = _pilot_card_in_force(date(2024, 2, 1))
    # when the card is damaged and replaced at a regular outlet on Thu 2024-02-08
    application = card_replacement_apply(
        actor=clerk(branch("ICBC")),
        card=card,
        reason="damaged",
        channel="bank_outlet",
        day=date(2024, 2, 8),
        pickup="branch",
    )
    # then it is due on Tue 02-20: 02-09 (除夕) worked (1), 02-10..17 off, Sun 02-18 调休 (2),
    # 02-19 (3), 02-20 (4)
    assert (application.due_date, application.card_generation) == (date(2024, 2, 20), 3)


def test_bj_11_an_instant_replacement_is_made_and_handed_over_in_the_same_visit() -> None:
    card, _unit = _pilot_card_in_force(date(2024, 3, 4))
    point = OutletFactory.create(bank=branch("ICBC").bank, instant_issuance=True)
    day = date(2024, 3, 20)
    new = replacement_instant(
        actor=clerk_of(point),
        card=card,
        reason="lost",
        id_number=id_number_of(card.person),
        day=day,
    )
    assert new.application is not None
    assert new.application.due_date == day
    assert (new.stage, new.ss_function, new.handed_over_outlet) == ("handed_over", "enabled", point)
    assert (status(card.card_number, day), status(new.card_number, day)) == ("replaced", "valid")

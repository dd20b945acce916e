"""BJ-08: the three pickup methods with exactly their activation paths.

(1) at the chosen branch: made within 30 days, SMS when ready, both functions switched on there;
(2) by post: made within 30 days, posted free, the SS function enabled online by the holder,
the financial function at any outlet of the issuing bank — never online, never at another
bank; (3) the bank comes to the unit: handed over and both functions switched on, on site.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from sscard.applications.tests.support import BJ_PILOT_DAY, branch, holder
from sscard.cards.services import card_activate_financial, card_enable
from sscard.cards.tests.scenarios import beijing_pilot_unit, status
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record, visit_hand_over
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import (
    card_of,
    clerk_of,
    collect_at,
    dispatch,
    id_number_of,
    produce,
)

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY
POST = Actor(role=Role.POST, label="post")


def refused(call: Callable[[], object], code: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        call()
    assert caught.value.code == code, caught.value.as_dict()


def test_bj_08_1_branch_pickup_made_in_30_days_sms_when_ready_both_functions_on_site() -> None:
    # given a pilot unit's collective application with pickup at its ICBC branch
    unit = beijing_pilot_unit(pickup="branch")
    app = unit.applications[0]
    assert app.due_date == DAY + timedelta(days=30)
    # when the card is made (on time) and reaches the branch
    dispatch(produce(day=DAY + timedelta(days=10)))
    card = collect_at(unit.outlet, app)
    # then the holder was told by SMS that it is ready at that branch
    ready = OutboxMessage.objects.get(template_key="card_ready", person_id=app.person_id)
    assert unit.outlet.name in ready.text
    # and the SS function cannot be enabled online for a branch pickup: it is done on site
    refused(
        lambda: card_enable(actor=holder(card.person), card=card, today=DAY),
        "enable_path_not_allowed",
    )
    clerk = clerk_of(unit.outlet)
    card_enable(actor=clerk, card=card, today=DAY)
    card = card_activate_financial(actor=clerk, card=card, today=DAY)
    assert (card.ss_function, card.financial_function) == ("enabled", "activated")
    assert status(card.card_number, DAY) == "valid"


def test_bj_08_2_posted_card_enabled_online_financial_at_any_outlet_of_the_issuing_bank() -> None:
    # given a pilot unit's staff who chose the post
    unit = beijing_pilot_unit(pickup="post")
    app = unit.applications[0]
    assert app.due_date == DAY + timedelta(days=30)
    assert app.mailing_address
    # when the card is made and posted
    dispatch(produce(day=DAY + timedelta(days=5)))
    card = card_of(app)
    shipment = Shipment.objects.get(card=card)
    posted = OutboxMessage.objects.get(template_key="card_posted", person_id=app.person_id)
    assert "工商" in posted.text or "ICBC" in posted.text
    post_event_record(
        actor=POST,
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=2),
    )
    card.refresh_from_db()
    assert card.stage == "handed_over"
    # then no clerk enables it on site (the pack says online), the holder does, online
    other_icbc = branch("ICBC")
    refused(
        lambda: card_enable(actor=clerk_of(other_icbc), card=card, today=DAY),
        "enable_path_not_allowed",
    )
    card_enable(actor=holder(card.person), card=card, today=DAY)
    # and the financial function: not online, not at another bank, yes at any ICBC outlet
    refused(
        lambda: card_activate_financial(actor=holder(card.person), card=card, today=DAY),
        "financial_activation_online_refused",
    )
    boc = branch("BOC")
    refused(
        lambda: card_activate_financial(actor=clerk_of(boc), card=card, today=DAY),
        "financial_activation_wrong_bank",
    )
    card.refresh_from_db()
    assert card.financial_function == "not_activated"
    card = card_activate_financial(actor=clerk_of(other_icbc), card=card, today=DAY)
    assert (card.ss_function, card.financial_function) == ("enabled", "activated")


def test_bj_08_3_the_bank_comes_to_the_unit_hands_over_and_switches_both_on() -> None:
    # given a pilot unit that asked its bank to come
    unit = beijing_pilot_unit(pickup="bank_visit")
    app = unit.applications[0]
    # when the cards are made and go with the bank's team
    dispatch(produce(day=DAY + timedelta(days=7)))
    card = card_of(app)
    assert Shipment.objects.get(card=card).method == "visit"
    # then the team hands the card over at the unit with both functions on, in one step
    team = clerk_of(unit.outlet)
    card = visit_hand_over(actor=team, card=card, id_number=id_number_of(card.person), today=DAY)
    assert (card.stage, card.ss_function, card.financial_function) == (
        "handed_over",
        "enabled",
        "activated",
    )
    assert card.handed_over_outlet == unit.outlet


def test_bj_08_no_card_is_enabled_before_it_reaches_its_holder() -> None:
    unit = beijing_pilot_unit(pickup="branch")
    dispatch(produce(day=DAY))
    card = card_of(unit.applications[0])
    assert card.stage == "dispatched"
    refused(
        lambda: card_enable(actor=clerk_of(unit.outlet), card=card, today=DAY),
        "card_not_handed_over",
    )
    assert status(card.card_number, date(2024, 3, 5)) == "not_enabled"

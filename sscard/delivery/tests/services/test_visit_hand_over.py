"""visit_hand_over: the bank comes to the unit, hands the card over and switches on both its
functions there, in one step (BJ-08 (3))."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    branch,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.delivery.models import Shipment
from sscard.delivery.services import visit_hand_over
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import dispatch, id_number_of, produce

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


@dataclass
class Visit:
    outlet: Outlet
    cards: list[Card]


def team_on_its_way(size: int = 2, *, pickup: str = "bank_visit") -> Visit:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, day=DAY, pickup=pickup)
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    dispatch(produce(day=DAY))
    return Visit(
        collective.pickup_outlet, list(Card.objects.select_related("person").order_by("pk"))
    )


def written() -> tuple[object, ...]:
    return (
        list(Card.objects.order_by("pk").values_list("stage", "ss_function", "financial_function")),
        list(Shipment.objects.order_by("pk").values_list("status")),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_the_team_hands_over_and_switches_on_both_functions_in_one_step() -> None:
    visit = team_on_its_way()
    card = visit.cards[0]
    done = visit_hand_over(
        actor=clerk(visit.outlet), card=card, id_number=id_number_of(card.person), today=DAY
    )
    assert (done.stage, done.ss_function, done.financial_function) == (
        "handed_over",
        "enabled",
        "activated",
    )
    assert done.handed_over_outlet_id == visit.outlet.pk
    assert Shipment.objects.get(card=card).status == "handed_over"
    actions = list(
        AuditEvent.objects.filter(object_type="card", object_id=str(card.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["card_hand_over", "card_enable", "card_activate_financial"]
    # the colleague's card is still with the team
    assert Shipment.objects.get(card=visit.cards[1]).status == "in_transit"


def test_another_persons_id_is_refused_and_nothing_changes() -> None:
    visit = team_on_its_way()
    card, other = visit.cards
    before = written()
    with pytest.raises(ApplicationError) as refused:
        visit_hand_over(
            actor=clerk(visit.outlet), card=card, id_number=id_number_of(other.person), today=DAY
        )
    assert refused.value.code == "holder_id_mismatch"
    assert written() == before


def test_a_card_sent_to_the_branch_is_not_the_visiting_teams() -> None:
    visit = team_on_its_way(1, pickup="branch")
    card = visit.cards[0]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        visit_hand_over(
            actor=clerk(visit.outlet), card=card, id_number=id_number_of(card.person), today=DAY
        )
    assert refused.value.code == "not_found"
    assert written() == before


def test_another_branchs_team_cannot_hand_the_card_over() -> None:
    visit = team_on_its_way(1)
    card = visit.cards[0]
    before = written()
    with pytest.raises(ApplicationError) as refused:
        visit_hand_over(
            actor=clerk(branch("ICBC")), card=card, id_number=id_number_of(card.person), today=DAY
        )
    assert refused.value.code == "not_found"
    assert written() == before


def test_a_card_handed_over_by_the_team_cannot_be_handed_over_again() -> None:
    visit = team_on_its_way(1)
    card = visit.cards[0]
    team = clerk(visit.outlet)
    visit_hand_over(actor=team, card=card, id_number=id_number_of(card.person), today=DAY)
    before = written()
    with pytest.raises(ApplicationError) as refused:
        visit_hand_over(actor=team, card=card, id_number=id_number_of(card.person), today=DAY)
    assert refused.value.code == "not_found"
    assert written() == before

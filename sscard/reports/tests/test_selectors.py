"""The bureau's numbers: cards overdue by BJ-11's rules (a collective card is due 30 days after
submission; time in the post does not count) per bank, outlet and district, and the backlog
per stage; a district officer sees their district only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from sscard.applications.models import Application
from sscard.applications.services import (
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import branch, clerk, confirm_all, hr, in_force
from sscard.cards.models import Card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.models import Shipment
from sscard.delivery.services import card_hand_over, outlet_receive, post_event_record
from sscard.network.models import Outlet
from sscard.production.services import batches_form
from sscard.registry.models import Person
from sscard.reports.selectors import backlog, card_is_overdue, overdue_applications, overdue_by
from sscard.testing.card_life import (
    OPERATOR,
    dispatch,
    factory_round_trip,
    id_number_of,
    personalise,
    produce,
)
from sscard.testing.factories import SHIJINGSHAN, XICHENG, EmployerFactory, PersonFactory

pytestmark = pytest.mark.django_db
SUBMITTED = date(2024, 3, 4)  # a Monday
DUE = date(2024, 4, 3)  # 30 days later, the start day not counted (BJ-11)
LATE = DUE + timedelta(days=1)
BUREAU = Actor(role=Role.CITY_OFFICER, label="bureau")


@dataclass
class Unit:
    staff: list[Person]
    outlet: Outlet
    applications: list[Application]


def unit_applies(
    size: int = 1, *, bank: str = "ICBC", district: str = XICHENG, pickup: str = "branch"
) -> Unit:
    """A pilot unit of ``district`` applies collectively on SUBMITTED with ``bank``'s branch."""
    in_force("beijing-2024")
    employer = EmployerFactory.create(insured_district=district)
    staff = [
        PersonFactory.create(
            employer=employer, insured_region=district, hukou_region=district, address="北京市"
        )
        for _ in range(size)
    ]
    actor = hr(employer)
    collective = collective_open(actor=actor, day=SUBMITTED)
    outlet = branch(bank, district=district)
    collective_arrange(
        actor=actor, collective_id=collective.pk, day=SUBMITTED, pickup=pickup, outlet_id=outlet.pk
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=SUBMITTED)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff, SUBMITTED)
    collective_submit(actor=actor, collective_id=collective.pk, day=SUBMITTED)
    applications = list(Application.objects.filter(collective=collective).order_by("pk"))
    assert {a.due_date for a in applications} == {DUE}
    return Unit(staff, outlet, applications)


def rows(by: str, *, today: date = LATE, actor: Actor = BUREAU) -> list[tuple[str, int, date]]:
    return [(r.key, r.count, r.oldest_due) for r in overdue_by(actor=actor, today=today, by=by)]


def test_cards_not_made_by_their_due_date_are_overdue_per_bank_outlet_and_district() -> None:
    # given a Shijingshan unit whose cards are being personalised, and a Xicheng unit not
    # even batched, both past their due date
    making = unit_applies(1, bank="BOB", district=SHIJINGSHAN)
    (batch,) = batches_form(actor=OPERATOR, today=SUBMITTED)
    personalise(batch)
    waiting = unit_applies(2, bank="ICBC", district=XICHENG)
    # then the bureau sees them overdue the day after the due date
    assert rows("bank") == [("ICBC", 2, DUE), ("BOB", 1, DUE)]
    assert rows("outlet") == [(waiting.outlet.code, 2, DUE), (making.outlet.code, 1, DUE)]
    assert rows("district") == [(XICHENG, 2, DUE), (SHIJINGSHAN, 1, DUE)]
    labels = {r.key: r.label for r in overdue_by(actor=BUREAU, today=LATE, by="outlet")}
    assert labels[waiting.outlet.code] == waiting.outlet.name
    # and not on the due date itself
    assert rows("bank", today=DUE) == []


def test_a_card_made_on_time_but_posted_late_is_not_overdue() -> None:
    # BJ-11: the due rules exclude postage
    unit = unit_applies(1, pickup="post")
    dispatch(produce(day=DUE - timedelta(days=1)))
    shipment = Shipment.objects.get()
    a_month_later = LATE + timedelta(days=30)
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=40),
    )
    card = Card.objects.get(application=unit.applications[0])
    assert not card_is_overdue(card, today=a_month_later)
    assert rows("bank", today=a_month_later) == []


def test_a_card_still_in_the_post_after_its_due_date_is_not_overdue() -> None:
    unit_applies(1, pickup="post")
    dispatch(produce(day=DUE))
    assert Card.objects.get().stage == "dispatched"
    assert rows("bank") == []


def test_a_made_card_is_no_longer_overdue_even_if_it_was_made_late(tmp_path: Path) -> None:
    unit_applies(1)
    (batch,) = batches_form(actor=OPERATOR, today=SUBMITTED)
    personalise(batch)
    card = Card.objects.get()
    assert card_is_overdue(card, today=LATE)
    factory_round_trip(batch, day=LATE, out_dir=tmp_path)
    card.refresh_from_db()
    assert not card_is_overdue(card, today=LATE)
    assert rows("bank") == []


def test_an_application_whose_card_came_back_defective_is_overdue_through_the_remake(
    tmp_path: Path,
) -> None:
    unit = unit_applies(1)
    (batch,) = batches_form(actor=OPERATOR, today=SUBMITTED)
    personalise(batch)
    spoiled = Card.objects.get()
    factory_round_trip(batch, day=DUE, defective={spoiled.card_number}, out_dir=tmp_path)
    remake = Card.objects.get(remake_of=spoiled)
    assert not card_is_overdue(Card.objects.get(pk=spoiled.pk), today=LATE)
    assert card_is_overdue(remake, today=LATE)
    assert list(overdue_applications(actor=BUREAU, today=LATE)) == unit.applications
    assert rows("bank") == [("ICBC", 1, DUE)]


def test_a_district_officer_sees_their_own_district_only() -> None:
    unit_applies(1, bank="BOB", district=SHIJINGSHAN)
    unit_applies(2, bank="ICBC", district=XICHENG)
    officer = Actor(role=Role.DISTRICT_OFFICER, label="石景山", district_code=SHIJINGSHAN)
    assert rows("district", actor=officer) == [(SHIJINGSHAN, 1, DUE)]
    assert rows("bank", actor=officer) == [("BOB", 1, DUE)]
    assert overdue_applications(actor=officer, today=LATE).count() == 1
    assert backlog(actor=officer).waiting_for_batch == 1


def test_an_unknown_grouping_is_refused() -> None:
    with pytest.raises(ValueError, match="postcode"):
        overdue_by(actor=BUREAU, today=LATE, by="postcode")


@pytest.mark.parametrize(
    "role", [Role.PRODUCTION_OPERATOR, Role.BANK_CLERK, Role.EMPLOYER_HR, Role.CARDHOLDER]
)
def test_only_the_bureau_sees_its_reports(role: Role) -> None:
    unit_applies(1)
    someone = Actor(role=role, label="someone")
    for read in (
        lambda: overdue_by(actor=someone, today=LATE, by="bank"),
        lambda: overdue_applications(actor=someone, today=LATE),
        lambda: backlog(actor=someone),
    ):
        with pytest.raises(ApplicationError) as refused:
            read()
        assert refused.value.code == "permission_denied"


def test_the_backlog_counts_what_waits_for_a_batch_and_the_cards_at_each_stage() -> None:
    # one unit's cards at each stage of their way, taken there with the services in turn
    unit_applies(1, bank="BOB")
    batches_form(actor=OPERATOR, today=SUBMITTED)  # ordered
    unit_applies(1, bank="BOB")
    (batch,) = batches_form(actor=OPERATOR, today=SUBMITTED)
    personalise(batch)  # personalised
    unit_applies(2)
    produce(day=SUBMITTED)  # produced (two, ICBC)
    unit_applies(1)
    dispatch(produce(day=SUBMITTED))  # dispatched
    at_outlet = unit_applies(1)
    dispatch(produce(day=SUBMITTED))
    outlet_receive(actor=clerk(at_outlet.outlet))  # at the outlet
    handed = unit_applies(1)
    dispatch(produce(day=SUBMITTED))
    outlet_receive(actor=clerk(handed.outlet))
    card = Card.objects.select_related("person").get(application=handed.applications[0])
    card_hand_over(actor=clerk(handed.outlet), card=card, id_number=id_number_of(card.person))
    unit_applies(3)  # waiting for a batch
    found = backlog(actor=BUREAU)
    assert found.waiting_for_batch == 3
    assert found.by_stage == {
        "ordered": 1,
        "personalised": 1,
        "produced": 2,
        "dispatched": 1,
        "at_outlet": 1,
    }
    assert found.by_bank == [("ICBC", 4), ("BOB", 2)]

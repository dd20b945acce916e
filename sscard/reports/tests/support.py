"""The small campaign history the statistics pages' tests and their browser journey share,
built through the services: a Xicheng employer's collective applications on the pilot's first
day, three individual applications at a Chaoyang bank outlet today, every card made, two of
Chaoyang's handed over and one of them enabled."""

from __future__ import annotations

from dataclasses import dataclass

from sscard.applications.tests.support import in_force
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.delivery.tests.page_support import applicant, applied_at, overdue_unit, today
from sscard.network.models import Outlet
from sscard.registry.models import Employer
from sscard.testing.card_life import clerk_of, dispatch, produce
from sscard.testing.factories import CHAOYANG, BankFactory, DivisionFactory, OutletFactory


@dataclass(frozen=True)
class History:
    employer: Employer
    outlet: Outlet


def statistics_history() -> History:
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    BankFactory.create()  # ICBC by its names
    applications = overdue_unit(2, bank_code="ICBC", name="工商银行西城支行")  # the pilot's day
    outlet = OutletFactory.create(name="工商银行朝阳支行", district=CHAOYANG)
    applicants = [applicant() for _ in range(3)]
    for person, _id_number in applicants:
        applied_at(outlet, person)
    dispatch(produce(day=today()))
    clerk = clerk_of(outlet)
    outlet_receive(actor=clerk)
    for n, (person, id_number) in enumerate(applicants[:2]):
        card = Card.objects.get(person=person, stage="at_outlet")
        card = card_hand_over(actor=clerk, card=card, id_number=id_number)
        if n == 0:
            card_enable(actor=clerk, card=card, today=today())
    employer = applications[0].person.employer
    assert employer is not None
    return History(employer=employer, outlet=outlet)

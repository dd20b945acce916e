"""Set-ups the card-life pages' tests and the browser journey share, built with the services
only (and ``sscard.testing.card_life`` for production's steps): applicants at a bank outlet,
cards on their way to it, in its stock and in the holder's hands, and overdue applications."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from sscard.applications.models import Application
from sscard.applications.services import (
    application_submit,
    collective_arrange,
    collective_notify,
    collective_open,
    collective_submit,
    roster_add_staff,
)
from sscard.applications.tests.support import BJ_PILOT_DAY, beijing_unit, branch, confirm_all, hr
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.network.models import Outlet
from sscard.registry.models import Person
from sscard.testing.card_life import clerk_of, dispatch, produce
from sscard.testing.factories import CHAOYANG, PersonFactory, make_id_number

_numbers = iter(range(3000, 4000))


def today() -> date:
    return timezone.localdate()


def applicant(**kwargs: Any) -> tuple[Person, str]:
    """A Chaoyang flexible worker (who may apply at a bank outlet today) and their ID number."""
    id_number = kwargs.pop("id_number", None) or make_id_number(next(_numbers), region=CHAOYANG)
    values: dict[str, Any] = {
        "id_number": id_number,
        "insured_region": CHAOYANG,
        "hukou_region": CHAOYANG,
        "category": "flexible_worker",
        "address": "北京市朝阳区测试路3号",
    }
    values.update(kwargs)
    return PersonFactory.create(**values), id_number


def applied_at(outlet: Outlet, person: Person) -> Application:
    """A first application taken at ``outlet`` today, to collect the card there."""
    return application_submit(
        actor=clerk_of(outlet),
        person=person,
        channel="bank_outlet",
        action="first",
        day=today(),
        photo_source="id_card",
    )


def on_the_way(outlet: Outlet, count: int = 1) -> list[tuple[Person, str]]:
    """``count`` holders whose cards are made and dispatched to ``outlet``."""
    holders = [applicant() for _ in range(count)]
    for person, _id_number in holders:
        applied_at(outlet, person)
    dispatch(produce(day=today()))
    return holders


def in_stock(outlet: Outlet) -> tuple[Person, str, Card]:
    """A holder whose card waits in ``outlet``'s stock."""
    ((person, id_number),) = on_the_way(outlet)
    outlet_receive(actor=clerk_of(outlet))
    return person, id_number, Card.objects.get(person=person)


def in_hands(outlet: Outlet, *, enabled: bool = False) -> tuple[Person, str, Card]:
    """A holder who collected their card at ``outlet`` (and had it enabled there)."""
    person, id_number, card = in_stock(outlet)
    card = card_hand_over(actor=clerk_of(outlet), card=card, id_number=id_number)
    if enabled:
        card = card_enable(actor=clerk_of(outlet), card=card, today=today())
    return person, id_number, card


def overdue_unit(size: int = 2, *, bank_code: str = "ICBC", **outlet: Any) -> list[Application]:
    """A Xicheng employer's collective applications of the pilot day, to collect at a branch
    of ``bank_code``: not made by their due day 30 days later, so overdue now (BJ-11)."""
    employer, staff = beijing_unit(size)
    actor = hr(employer)
    collective = collective_open(actor=actor, day=BJ_PILOT_DAY)
    collective_arrange(
        actor=actor,
        collective_id=collective.pk,
        day=BJ_PILOT_DAY,
        pickup="branch",
        bank=bank_code,
        outlet_id=branch(bank_code, **outlet).pk,
    )
    roster_add_staff(actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY)
    collective_notify(actor=actor, collective_id=collective.pk)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=actor, collective_id=collective.pk, day=BJ_PILOT_DAY)
    return list(Application.objects.filter(collective=collective))

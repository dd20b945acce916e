"""One card per person and generation holds in a race (issue 9, point 6), on PostgreSQL.

Two channels at once on two connections: production orders the card of a person's application
while a community centre takes another application for the same person. Whichever comes
first, the person ends with one card and no second application, and the other channel gets a
stable code. Then the index itself: two orders of a card of the same generation for one
person, written by the builder on two connections while the first is still open — exactly one
is kept, the other answers ``card_already_held``.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections, transaction

from sscard.applications.models import Application
from sscard.applications.services import application_submit
from sscard.applications.tests.support import SH_DAY, centre, clerk, holder, shanghai_person
from sscard.applications.tests.support import in_force as put_in_force
from sscard.cards.models import Card
from sscard.cards.services import CardOrder, cards_create, cards_order
from sscard.cards.tests.support import SYSTEM, application, in_force, person
from sscard.core.errors import ApplicationError
from sscard.testing.races import race

pytestmark = [
    pytest.mark.postgres(
        reason="needs PostgreSQL: two connections racing on row locks and a unique index"
    ),
    pytest.mark.django_db(transaction=True),
]


def test_production_and_a_counter_at_once_leave_one_card_and_no_second_application() -> None:
    # given a Shanghai resident whose online application is waiting for its card
    put_in_force("shanghai-2019")
    resident = shanghai_person()
    first = application_submit(
        actor=holder(resident), person=resident, channel="online", action="migrate",
        day=SH_DAY, bank="CCB", backup_centre_id=centre().pk, photo_source="id_card",
    )  # fmt: skip
    desk, backup = centre(), centre()

    def order() -> str:
        cards_order(actor=SYSTEM, application_ids=[first.pk], today=SH_DAY)
        return "ok"

    def counter() -> str:
        application_submit(
            actor=clerk(desk), person=resident, channel="community_centre", action="first",
            day=SH_DAY, bank="BOSC", backup_centre_id=backup.pk, photo_source="id_card",
        )  # fmt: skip
        return "ok"

    # when production and a counter act for the resident at the same moment
    outcomes = race({"production": order, "counter": counter}, timeout=30)
    # then exactly one wins: the card is ordered, the counter gets a stable code
    assert outcomes["production"] == "ok", outcomes
    assert outcomes["counter"] in {"application_already_open", "card_already_held"}, outcomes
    assert Card.objects.filter(person=resident).count() == 1
    assert not Application.objects.filter(person=resident, status="submitted").exists()


def test_two_orders_on_two_connections_keep_exactly_one_card() -> None:
    # given a person with two applications for a third-generation card (one closed since, so
    # the rule on applications does not stand in the way: only the cards' index is left)
    campaign = in_force()
    holder_ = person()
    closed = application(campaign, holder_, generation=3)
    Application.objects.filter(pk=closed.pk).update(status="cancelled")
    values = {
        f.attname: getattr(closed, f.attname)
        for f in Application._meta.concrete_fields
        if f.attname != "id"
    }
    apps = [closed, Application.objects.create(**values)]

    def order_of(app: Application) -> CardOrder:
        return CardOrder(
            application_id=app.pk,
            person_id=holder_.pk,
            region="110102",
            generation=3,
            pack_hash=campaign.pack_hash,
            bank_code="ICBC",
        )

    holding = threading.Event()
    release = threading.Event()
    outcomes: dict[str, str] = {}

    def writer_a() -> None:
        try:
            with transaction.atomic():
                cards_create(actor=SYSTEM, orders=[order_of(apps[0])], today=SH_DAY)
                holding.set()
                release.wait(10)
            outcomes["a"] = "ok"
        except ApplicationError as exc:
            outcomes["a"] = exc.code
        finally:
            connections.close_all()

    def writer_b() -> None:
        try:
            holding.wait(10)
            with transaction.atomic():
                # blocks on A's uncommitted card, then the index refuses it
                cards_create(actor=SYSTEM, orders=[order_of(apps[1])], today=SH_DAY)
            outcomes["b"] = "ok"
        except ApplicationError as exc:
            outcomes["b"] = exc.code
        finally:
            connections.close_all()

    a = threading.Thread(target=writer_a)
    b = threading.Thread(target=writer_b)
    a.start()
    b.start()
    holding.wait(10)
    time.sleep(0.3)  # B is now waiting on A's row
    release.set()
    a.join(20)
    b.join(20)
    assert outcomes == {"a": "ok", "b": "card_already_held"}
    assert Card.objects.filter(person=holder_).count() == 1

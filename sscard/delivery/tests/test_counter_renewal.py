"""The counter's renewal (到期换卡, issue 15 point 4): the button shows on a card within the
pack's notice period (the service's own predicate), asks first, and takes the renewal as the
API's twin does; a card far from its end gets no button and a forced post is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.cards.tests.support import card, person
from sscard.core.clock import today
from sscard.testing.card_life import id_number_of
from sscard.testing.factories import AccountFactory, EmployerFactory

pytestmark = pytest.mark.django_db
COUNTER = "/cards/counter/"


def _staff_card(days_left: int) -> Card:
    return card(
        person(employer=EmployerFactory.create()),
        ss_function="enabled",
        valid_until=today() + timedelta(days=days_left),
    )


def test_the_clerk_renews_a_card_running_out_after_confirming(client_for):
    in_force("beijing-2024")
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    old = _staff_card(30)
    id_number = id_number_of(old.person)
    served = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}).content.decode()
    assert f"{COUNTER}{old.pk}/renew/" in served
    asked = clerk.post(f"{COUNTER}{old.pk}/renew/", {"id_number": id_number}).content.decode()
    assert old.valid_until.isoformat() in asked
    assert not Application.objects.exists()
    done = clerk.post(f"{COUNTER}{old.pk}/renew/", {"id_number": id_number, "confirm": "1"})
    assert done.status_code in (200, 302)
    application = Application.objects.get(person=old.person)
    assert (application.action, application.channel, application.pickup) == (
        "renewal",
        "bank_outlet",
        "branch",
    )
    # renewed: the button is gone
    again = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}).content.decode()
    assert f"{COUNTER}{old.pk}/renew/" not in again


def test_a_card_far_from_its_end_has_no_button_and_a_forced_post_is_refused(client_for):
    in_force("beijing-2024")
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    far = _staff_card(400)
    id_number = id_number_of(far.person)
    served = clerk.post(f"{COUNTER}serve/", {"id_number": id_number}).content.decode()
    assert f"{COUNTER}{far.pk}/renew/" not in served
    answer = clerk.post(f"{COUNTER}{far.pk}/renew/", {"id_number": id_number, "confirm": "1"})
    assert "renewal_not_due" in answer.content.decode()
    assert not Application.objects.exists()

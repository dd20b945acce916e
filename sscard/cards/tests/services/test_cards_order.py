"""cards_order: the card of each submitted application, ordered as a whole or not at all; the
applications complete. The one-card-per-generation rule is tested in
``test_one_card_per_generation``."""

from __future__ import annotations

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import clerk
from sscard.cards.models import Card
from sscard.cards.services import cards_order
from sscard.cards.tests.support import SYSTEM, TODAY, application, in_force, person
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.core.models import AuditEvent
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db


def _written() -> tuple[object, ...]:
    return (
        Card.objects.count(),
        AuditEvent.objects.count(),
        list(Application.objects.order_by("pk").values_list("status", flat=True)),
    )


def test_the_cards_of_many_applications_are_ordered_at_once_and_they_complete():
    # given three submitted applications, one of a person insured in Chaoyang
    campaign = in_force()
    apps = [
        application(campaign, person(insured_region="110105")),
        application(campaign, person()),
        application(campaign, person()),
    ]
    # when production orders their cards
    ids = cards_order(actor=SYSTEM, application_ids=[a.pk for a in apps], today=TODAY)
    # then each application has one card, its region the holder's, and is completed
    cards = {c.application_id: c for c in Card.objects.filter(pk__in=ids)}
    assert set(cards) == {a.pk for a in apps}
    assert cards[apps[0].pk].card_id_code.startswith("110105")
    assert cards[apps[1].pk].card_id_code.startswith("110102")
    assert set(Application.objects.values_list("status", flat=True)) == {"completed"}
    # and the order is one audit event
    event = AuditEvent.objects.get(action="card_order")
    assert event.changes["cards"] == 3
    assert event.changes["application_ids"] == [[apps[0].pk, apps[-1].pk]]


def test_one_application_no_longer_open_refuses_the_whole_order():
    campaign = in_force()
    good = application(campaign, person())
    cancelled = application(campaign, person())
    Application.objects.filter(pk=cancelled.pk).update(status="cancelled")
    before = _written()
    with pytest.raises(ApplicationError) as caught:
        cards_order(actor=SYSTEM, application_ids=[good.pk, cancelled.pk], today=TODAY)
    assert (caught.value.code, caught.value.status) == ("application_not_open", 409)
    assert caught.value.details == {"application_ids": [cancelled.pk]}
    assert _written() == before


def test_an_application_that_does_not_exist_is_not_found():
    good = application(in_force(), person())
    with pytest.raises(ApplicationError) as caught:
        cards_order(actor=SYSTEM, application_ids=[good.pk, good.pk + 1000], today=TODAY)
    assert caught.value.code == "not_found"
    assert not Card.objects.exists()


def test_an_application_without_a_generation_is_refused():
    app = application(in_force(), person())
    Application.objects.filter(pk=app.pk).update(card_generation=None)
    with pytest.raises(ApplicationError) as caught:
        cards_order(actor=SYSTEM, application_ids=[app.pk], today=TODAY)
    assert caught.value.code == "card_generation_unknown"
    assert caught.value.details == {"application_id": app.pk}


def test_a_clerk_orders_only_a_card_made_while_the_holder_waits():
    # given an application taken at a community centre (made by the factory, not on the spot)
    app = application(in_force(), person())
    desk = clerk(OutletFactory.create(community_centre=True))
    # then the clerk may not order its card, nor may a relying party order any
    for actor in (desk, Actor(role=Role.RELYING_PARTY, label="hospital")):
        with pytest.raises(ApplicationError) as caught:
            cards_order(actor=actor, application_ids=[app.pk], today=TODAY)
        assert caught.value.code == "permission_denied"
    assert not Card.objects.exists()


def test_nothing_to_order_answers_nothing():
    assert cards_order(actor=SYSTEM, application_ids=[], today=TODAY) == []

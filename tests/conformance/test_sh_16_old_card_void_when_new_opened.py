"""SH-16: old and new cards run in parallel; once the new card is collected and opened (开通)
the old one is void. Opening it at its bank — the financial function — opens it as a whole
(the Shanghai pack's rule)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.tests.support import SH_DAY, branch, holder
from sscard.cards.models import Card
from sscard.cards.services import card_activate_financial, card_enable
from sscard.cards.tests.scenarios import PostedApplication, shanghai_posted_application, status
from sscard.cards.tests.support import card
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.delivery.models import Shipment
from sscard.delivery.services import post_event_record
from sscard.testing.card_life import card_of, clerk_of, dispatch, produce

pytestmark = pytest.mark.django_db


def _delivered_new_card() -> tuple[PostedApplication, Card, Card]:
    posted = shanghai_posted_application(bank="BOSC")
    old = card(posted.person, generation=2, ss_function="enabled", bank_code="ICBC")
    dispatch(produce(day=SH_DAY))
    new = card_of(posted.application)
    return posted, old, new


def test_sh_16_the_old_card_runs_until_the_new_one_is_collected_and_opened() -> None:
    posted, old, new = _delivered_new_card()
    # the new card is in the post: it cannot be opened, both run in parallel
    with pytest.raises(ApplicationError) as caught:
        card_enable(actor=holder(posted.person), card=new, today=SH_DAY)
    assert caught.value.code == "card_not_handed_over"
    assert (status(old.card_number, SH_DAY), status(new.card_number, SH_DAY)) == (
        "valid",
        "not_enabled",
    )
    # when it is delivered and the holder opens it online
    shipment = Shipment.objects.get(card=new)
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=1),
    )
    card_enable(actor=holder(posted.person), card=new, today=SH_DAY)
    # then the old card is void
    assert (status(old.card_number, SH_DAY), status(new.card_number, SH_DAY)) == (
        "replaced",
        "valid",
    )


def test_sh_16_opening_the_card_at_its_bank_opens_it_as_a_whole_and_voids_the_old() -> None:
    _posted, old, new = _delivered_new_card()
    shipment = Shipment.objects.get(card=new)
    post_event_record(
        actor=Actor(role=Role.POST, label="post"),
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=1),
    )
    # when the holder opens the new card at an outlet of its bank (开通手续)
    new = card_activate_financial(actor=clerk_of(branch("BOSC")), card=new, today=SH_DAY)
    # then the financial and the social-security functions are both on, the old card void
    assert (new.financial_function, new.ss_function) == ("activated", "enabled")
    assert (status(old.card_number, SH_DAY), status(new.card_number, SH_DAY)) == (
        "replaced",
        "valid",
    )

"""Reads of the cards: who may see which card, and the electronic card that follows the
physical one as the pack says."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    clerk,
    confirm_all,
    holder,
    hr,
    notified_collective,
)
from sscard.campaigns.services import campaign_put_in_force
from sscard.cards.selectors import card_get, card_timeline, card_visible, electronic_card_status
from sscard.cards.services import card_enable, card_report_loss
from sscard.cards.tests.scenarios import beijing_pilot_unit
from sscard.cards.tests.support import card, person
from sscard.core.actors import Actor, Role
from sscard.core.errors import ApplicationError
from sscard.policy import load_pack
from sscard.policy.tests.packs import dump, pack_data
from sscard.testing.card_life import card_of, clerk_of, collect_at, dispatch, produce
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY


@pytest.fixture
def enabled():
    unit = beijing_pilot_unit()
    dispatch(produce(day=DAY))
    new = collect_at(unit.outlet, unit.applications[0])
    return unit, card_enable(actor=clerk_of(unit.outlet), card=new, today=DAY)


def test_each_role_sees_its_own_cards(enabled):
    unit, mine = enabled
    stranger = card(person())
    assert set(card_visible(actor=holder(mine.person))) == {mine}
    assert set(card_visible(actor=hr(unit.employer))) == {mine}
    assert set(card_visible(actor=clerk_of(unit.outlet))) == {mine}
    assert set(card_visible(actor=clerk(OutletFactory.create()))) == set()
    assert set(card_visible(actor=Actor(role=Role.CITY_OFFICER, label="o"))) == {mine, stranger}
    assert set(card_visible(actor=Actor(role=Role.RELYING_PARTY, label="h"))) == set()
    with pytest.raises(ApplicationError) as caught:
        card_get(actor=holder(stranger.person), card_id=mine.pk)
    assert caught.value.code == "not_found"


def test_the_timeline_shows_how_far_the_card_has_come(enabled):
    _unit, mine = enabled
    # a card collected at the branch: sent there, ready there, handed over there, enabled
    steps = {s.key: (s.done, s.at is not None) for s in card_timeline(mine)}
    assert steps == {
        "submitted": (True, True),
        "decided": (True, True),
        "ordered": (True, True),
        "made": (True, True),
        "to_outlet": (True, True),
        "at_outlet": (True, True),
        "handed_over": (True, True),
        "enabled": (True, True),
    }


def test_the_electronic_card_mirrors_the_physical_one_blocked_when_it_is(enabled):
    _unit, mine = enabled
    assert electronic_card_status(person_id=mine.person_id, today=DAY).status == "valid"
    card_report_loss(actor=holder(mine.person), card=mine, channel="online", today=DAY)
    ecard = electronic_card_status(person_id=mine.person_id, today=DAY)
    assert (ecard.status, ecard.follows_card_id, ecard.mirrors_physical) == (
        "blocked_temporary",
        mine.pk,
        True,
    )


def test_a_pack_may_keep_the_electronic_card_working_while_the_card_is_lost():
    # given a pack that says the electronic card does not mirror the physical card
    data = copy.deepcopy(pack_data("beijing-2024"))
    data["electronic_card"] = {
        "mirrors_physical": False,
        "chosen": "a variant for this test: the e-card stays usable while the card is lost",
    }
    campaign_put_in_force(actor=Actor.system("test"), pack=load_pack(dump(data)))
    employer, staff = beijing_unit(1)
    collective = notified_collective(employer, day=DAY, pickup="branch")
    confirm_all(collective, staff, DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=DAY)
    dispatch(produce(day=DAY))
    application = collective.applications.get()
    outlet = collective.pickup_outlet
    assert outlet is not None
    mine = collect_at(outlet, application)
    card_enable(actor=clerk_of(outlet), card=mine, today=DAY)
    # when the card is reported lost
    card_report_loss(actor=holder(mine.person), card=mine, channel="online", today=DAY)
    # then the card is blocked but the electronic card is not
    assert card_of(application).block == "temporary"
    ecard = electronic_card_status(person_id=mine.person_id, today=DAY)
    assert (ecard.status, ecard.mirrors_physical) == ("valid", False)
    assert electronic_card_status(person_id=mine.person_id, today=date(2024, 3, 5)).status == (
        "valid"
    )

"""SH-12: at designated community centres and bank outlets, instant replacement — 即到即补、
即补即领: the card is made and handed over in the one visit."""

from __future__ import annotations

import pytest

from sscard.applications.models import Application
from sscard.applications.tests.support import SH_DAY, centre, in_force, shanghai_person
from sscard.cards.models import Card, CardCertificate
from sscard.cards.tests.scenarios import status
from sscard.cards.tests.support import card
from sscard.core.errors import ApplicationError
from sscard.delivery.services import replacement_instant
from sscard.testing.card_life import clerk_of, id_number_of

pytestmark = pytest.mark.django_db


def test_sh_12_a_designated_centre_replaces_a_lost_card_in_one_visit() -> None:
    # given a Shanghai resident whose card (from the old system) is lost
    in_force("shanghai-2019")
    person = shanghai_person()
    lost = card(person, generation=2, ss_function="enabled", bank_code="BOSC")
    point = centre(instant_issuance=True)
    # when they come to a designated instant-replacement centre
    new = replacement_instant(
        actor=clerk_of(point), card=lost, reason="lost", id_number=id_number_of(person), day=SH_DAY
    )
    # then the new card is made (keyed, certified, produced) and handed over there and then
    assert (new.generation, new.stage, new.handed_over_outlet) == (3, "handed_over", point)
    assert CardCertificate.objects.filter(card=new).exists()
    assert new.produced_at is not None
    assert new.application is not None
    assert (new.application.channel, new.application.due_date) == ("instant_outlet", SH_DAY)
    # and it works at once, while the lost one no longer does
    assert (status(new.card_number, SH_DAY), status(lost.card_number, SH_DAY)) == (
        "valid",
        "replaced",
    )


def test_sh_12_a_centre_that_is_not_designated_cannot_replace_on_the_spot() -> None:
    in_force("shanghai-2019")
    person = shanghai_person()
    lost = card(person, generation=2, ss_function="enabled", bank_code="BOSC")
    ordinary = centre()
    before = (Application.objects.count(), Card.objects.count())
    with pytest.raises(ApplicationError) as caught:
        replacement_instant(
            actor=clerk_of(ordinary),
            card=lost,
            reason="lost",
            id_number=id_number_of(person),
            day=SH_DAY,
        )
    assert caught.value.code == "outlet_not_instant"
    assert (Application.objects.count(), Card.objects.count()) == before
    assert status(lost.card_number, SH_DAY) == "valid"

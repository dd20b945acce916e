"""SH-13: cards are posted point to point; an undeliverable card goes to the applicant's
registered backup community centre, and the applicant is told."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.applications.tests.support import SH_DAY
from sscard.cards.services import card_enable
from sscard.cards.tests.scenarios import shanghai_posted_application, status
from sscard.core.actors import Actor, Role
from sscard.delivery.models import Shipment
from sscard.delivery.services import card_hand_over, post_event_record
from sscard.notifications.models import OutboxMessage
from sscard.testing.card_life import card_of, clerk_of, dispatch, id_number_of, produce

pytestmark = pytest.mark.django_db
POST = Actor(role=Role.POST, label="post")


def test_sh_13_a_failed_delivery_goes_to_the_backup_centre_and_the_holder_is_told() -> None:
    # given a posted application with a backup community centre registered
    posted = shanghai_posted_application()
    assert posted.application.backup_centre == posted.backup
    # when the card is made and posted point to point
    dispatch(produce(day=SH_DAY))
    card = card_of(posted.application)
    shipment = Shipment.objects.get(card=card)
    assert (shipment.method, shipment.outlet) == ("post", None)
    assert shipment.tracking_number
    # and the post reports that it could not deliver it
    result = post_event_record(
        actor=POST,
        tracking_number=shipment.tracking_number,
        kind="failed",
        occurred_at=shipment.dispatched_at + timedelta(days=2),
        reason="收件人不在",
    )
    # then the card is in the backup centre's stock and the holder is told where to collect it
    assert (result.changed, result.rerouted_to) == (True, posted.backup.name)
    card.refresh_from_db()
    assert card.stage == "at_outlet"
    rerouted = Shipment.objects.get(card=card, method="reroute")
    assert (rerouted.outlet, rerouted.status) == (posted.backup, "at_outlet")
    told = OutboxMessage.objects.get(template_key="undeliverable", person_id=posted.person.pk)
    assert posted.backup.name in told.text
    # and the post saying it again changes nothing
    again = post_event_record(
        actor=POST,
        tracking_number=shipment.tracking_number,
        kind="failed",
        occurred_at=shipment.dispatched_at + timedelta(days=2),
    )
    assert again.changed is False
    assert OutboxMessage.objects.filter(template_key="undeliverable").count() == 1
    # when the holder comes to the centre, the card is handed over and opened there
    centre_clerk = clerk_of(posted.backup)
    card = card_hand_over(actor=centre_clerk, card=card, id_number=id_number_of(posted.person))
    card_enable(actor=centre_clerk, card=card, today=SH_DAY)
    assert status(card.card_number, SH_DAY) == "valid"


def test_sh_13_a_delivered_card_is_in_the_holders_hands() -> None:
    posted = shanghai_posted_application()
    dispatch(produce(day=SH_DAY))
    card = card_of(posted.application)
    shipment = Shipment.objects.get(card=card)
    post_event_record(
        actor=POST,
        tracking_number=shipment.tracking_number or "",
        kind="delivered",
        occurred_at=shipment.dispatched_at + timedelta(days=1),
    )
    card.refresh_from_db()
    assert (card.stage, card.handed_over_outlet) == ("handed_over", None)
    assert OutboxMessage.objects.filter(
        template_key="card_posted", person_id=posted.person.pk
    ).exists()

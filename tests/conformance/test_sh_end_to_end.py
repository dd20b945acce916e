"""Shanghai, end to end: a retiree replaces their card at a service bank (SH-07); the new card
is made, posted point to point (SH-13), delivered, and opened online by the holder (SH-16) —
the old card then answers "replaced" and the new one "valid", and the electronic card follows.

The application is taken through the services; the post's callback, the holder's opening and
the hospital's check go through the HTTP API with each party's bearer token.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sscard.applications.services import application_submit
from sscard.applications.tests.support import (
    SH_RETIREE_DAY,
    branch,
    centre,
    clerk,
    in_force,
    shanghai_person,
)
from sscard.cards.tests.support import card
from sscard.delivery.models import Shipment
from sscard.testing.api_client import ApiClient
from sscard.testing.card_life import card_of, dispatch, id_number_of, produce
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


def test_sh_a_retiree_goes_from_application_to_an_opened_card_and_the_old_is_void() -> None:
    # given a retiree with an enabled card from the old system, whose pension bank is BOSC
    in_force("shanghai-2019")
    person = shanghai_person(category="retiree", pension_bank="BOSC")
    old = card(person, generation=2, ss_function="enabled", bank_code="BOSC")
    # when they replace it at a BOSC outlet in the retirees' window, posted, with a backup
    # community centre registered (SH-07, SH-13)
    backup = centre()
    application = application_submit(
        actor=clerk(branch("BOSC")),
        person=person,
        channel="bank_outlet",
        action="migrate",
        day=SH_RETIREE_DAY,
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    assert (application.bank_code, application.pickup, application.clause) == (
        "BOSC",
        "post",
        "SH-07",
    )
    # and the card is made in its batch and posted
    dispatch(produce(day=SH_RETIREE_DAY))
    new = card_of(application)
    shipment = Shipment.objects.get(card=new)
    post = ApiClient(AccountFactory.create(post=True))
    holder = ApiClient(AccountFactory.create(cardholder=True, person=person))
    pharmacy = ApiClient(AccountFactory.create(api_client=True))

    def verify(number: str) -> str:
        return str(pharmacy.post("/cards/verify", {"card_number": number}).json()["status"])

    # then until it is opened, both cards run in parallel
    assert (verify(old.card_number), verify(new.card_number)) == ("valid", "not_enabled")
    # when the post reports the delivery (twice: the second time changes nothing)
    event = {
        "tracking_number": shipment.tracking_number,
        "event": "delivered",
        "occurred_at": datetime(2019, 3, 12, 10, 0, tzinfo=UTC).isoformat(),
        "event_id": "EMS-1",
    }
    first = post.post("/post/events", event).json()
    again = post.post("/post/events", event).json()
    assert (first["changed"], again["changed"]) == (True, False)
    # and the holder opens the new card online
    opened = holder.post(f"/cards/{new.pk}/enable")
    assert opened.status_code == 200, opened.json()
    # then the old card is void, the new one valid — also when read off the chip
    assert (verify(old.card_number), verify(new.card_number)) == ("replaced", "valid")
    new.refresh_from_db()
    reader = (
        f"{new.card_id_code[:6]}|{id_number_of(person)}|{new.card_number}|{new.card_id_code}|"
        f"{person.name}|3B6D|3.00|{new.issued_on:%Y%m%d}|{new.valid_until:%Y%m%d}"
    )
    answer = pharmacy.post("/cards/verify", {"reader_string": reader}).json()
    assert (answer["status"], answer["generation"], answer["masked_name"]) == (
        "valid",
        3,
        person.masked_name,
    )
    # and the holder's electronic card follows the new card
    mine = holder.get("/cards/mine").json()
    assert mine["electronic_card"] == {
        "status": "valid",
        "follows_card_id": new.pk,
        "mirrors_physical": True,
    }

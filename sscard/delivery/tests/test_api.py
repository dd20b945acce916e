"""The delivery API: the post's callback (its own role, by bearer token), an outlet's stock and
receiving it, hand-over at the counter and by the visiting team, instant replacement, and
production's dispatch; the one error shape throughout."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sscard.applications.services import application_submit, collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    beijing_unit,
    branch,
    centre,
    clerk,
    confirm_all,
    hr,
    in_force,
    notified_collective,
    shanghai_person,
)
from sscard.cards.models import Card
from sscard.cards.tests.support import card as card_held
from sscard.core.actors import Actor
from sscard.core.models import AuditEvent
from sscard.delivery.models import PostEvent, Shipment
from sscard.network.models import Outlet
from sscard.notifications.models import OutboxMessage
from sscard.portal.models import Account
from sscard.portal.services import api_token_create
from sscard.production.models import Batch
from sscard.testing.card_life import dispatch, id_number_of, produce
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/post/events"
STOCK = "/api/v1/outlets/stock"


def bearer(account: Account) -> dict[str, str]:
    _token, plaintext = api_token_create(actor=Actor.system("test"), account=account, name="api")
    return {"Authorization": f"Bearer {plaintext}"}


def post_json(
    client: Client, url: str, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Any:
    return client.post(url, body, content_type="application/json", headers=headers)


def shanghai_posted() -> tuple[Shipment, Outlet]:
    in_force("shanghai-2019")
    desk, backup = centre(), centre()
    application_submit(
        actor=clerk(desk),
        person=shanghai_person(),
        channel="community_centre",
        action="first",
        day=SH_DAY,
        bank="BOSC",
        backup_centre_id=backup.pk,
        photo_source="id_card",
    )
    dispatch(produce(day=SH_DAY))
    return Shipment.objects.get(), backup


def pilot_unit(size: int, *, pickup: str = "branch", dispatched: bool = True) -> Outlet:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer, pickup=pickup)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    collective.refresh_from_db()
    assert collective.pickup_outlet is not None
    batches = produce(day=BJ_PILOT_DAY)
    if dispatched:
        dispatch(batches)
    return collective.pickup_outlet


def event(shipment: Shipment, kind: str = "delivered", **extra: str) -> dict[str, str]:
    return {
        "tracking_number": shipment.tracking_number or "",
        "event": kind,
        "occurred_at": "2019-09-20T10:30:00+08:00",
        **extra,
    }


# --------------------------------------------------------------------------------------------
# POST /post/events
# --------------------------------------------------------------------------------------------


def test_the_post_reports_a_delivery_once_and_a_repeat_changes_nothing(client):
    shipment, _backup = shanghai_posted()
    post = bearer(AccountFactory.create(post=True))
    first = post_json(client, EVENTS, event(shipment, event_id="P-1"), post)
    assert first.status_code == 200, first.json()
    assert first.json() == {
        "changed": True,
        "note": "recorded",
        "tracking_number": shipment.tracking_number,
        "shipment_status": "delivered",
        "rerouted_to": None,
    }
    counts = (PostEvent.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count())
    again = post_json(client, EVENTS, event(shipment, event_id="P-1"), post)
    assert again.status_code == 200
    assert (again.json()["changed"], again.json()["shipment_status"]) == (False, "delivered")
    assert "nothing changed" in again.json()["note"]
    assert (
        PostEvent.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    ) == counts
    assert Card.objects.get().stage == "handed_over"


def test_a_failed_delivery_answers_where_the_card_went(client):
    shipment, backup = shanghai_posted()
    post = bearer(AccountFactory.create(post=True))
    failed = post_json(client, EVENTS, event(shipment, "failed", reason="moved away"), post)
    assert failed.status_code == 200
    assert (failed.json()["shipment_status"], failed.json()["rerouted_to"]) == (
        "failed",
        backup.name,
    )
    late = post_json(client, EVENTS, event(shipment, "delivered"), post)
    assert (late.status_code, late.json()["code"]) == (409, "shipment_closed")
    assert set(late.json()) == {"code", "message_zh", "message_en", "details"}


def test_an_unknown_tracking_number_and_an_unknown_event_are_refused(client):
    shipment, _backup = shanghai_posted()
    post = bearer(AccountFactory.create(post=True))
    unknown = post_json(
        client, EVENTS, {**event(shipment), "tracking_number": "SS000000999CN"}, post
    )
    assert (unknown.status_code, unknown.json()["code"]) == (404, "tracking_unknown")
    returned = post_json(client, EVENTS, event(shipment, "returned"), post)
    assert (returned.status_code, returned.json()["code"]) == (422, "invalid_input")
    assert not PostEvent.objects.exists()


@pytest.mark.parametrize("role", ["relying_party", "cardholder", "bank_clerk"])
def test_other_tokens_may_not_report_post_events(client, role):
    shipment, _backup = shanghai_posted()
    refused = post_json(client, EVENTS, event(shipment), bearer(AccountFactory.of_role(role)))
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert not PostEvent.objects.exists()
    assert Shipment.objects.get().status == "in_transit"


def test_without_a_token_the_post_is_asked_for_one(client):
    shipment, _backup = shanghai_posted()
    refused = post_json(client, EVENTS, event(shipment))
    assert (refused.status_code, refused.json()["code"]) == (401, "authentication_required")


# --------------------------------------------------------------------------------------------
# An outlet's stock, hand-over, the visiting team
# --------------------------------------------------------------------------------------------


def test_a_clerk_sees_the_stock_receives_it_and_hands_a_card_over(client_for):
    outlet = pilot_unit(2)
    desk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    stock = desk.get(STOCK).json()
    assert [s["status"] for s in stock] == ["in_transit", "in_transit"]
    assert all("*" in s["masked_name"] for s in stock)
    received = desk.post(f"{STOCK}/receive")
    assert received.json() == {"received": 2}
    assert {s["status"] for s in desk.get(STOCK).json()} == {"at_outlet"}
    card = Card.objects.select_related("person").order_by("pk").first()
    assert card is not None
    handed = post_json(
        desk, f"/api/v1/cards/{card.pk}/hand-over", {"id_number": id_number_of(card.person)}
    )
    assert handed.status_code == 200, handed.json()
    assert (handed.json()["id"], handed.json()["stage"]) == (card.pk, "handed_over")
    assert len(desk.get(STOCK).json()) == 1


def test_the_wrong_holder_at_the_counter_gets_no_card(client_for):
    outlet = pilot_unit(2)
    desk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    desk.post(f"{STOCK}/receive")
    card, other = Card.objects.select_related("person").order_by("pk")
    refused = post_json(
        desk, f"/api/v1/cards/{card.pk}/hand-over", {"id_number": id_number_of(other.person)}
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert Card.objects.get(pk=card.pk).stage == "at_outlet"


def test_a_clerk_of_another_outlet_sees_no_stock_and_cannot_hand_over(client_for):
    outlet = pilot_unit(1)
    client_for(AccountFactory.create(bank_clerk=True, outlet=outlet)).post(f"{STOCK}/receive")
    elsewhere = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    assert elsewhere.get(STOCK).json() == []
    assert elsewhere.post(f"{STOCK}/receive").json() == {"received": 0}
    card = Card.objects.select_related("person").get()
    refused = post_json(
        elsewhere, f"/api/v1/cards/{card.pk}/hand-over", {"id_number": id_number_of(card.person)}
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")


def test_the_stock_takes_the_same_few_queries_however_large(
    client_for, django_assert_max_num_queries
):
    outlet = pilot_unit(5)
    desk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    # session, user and account, then one query for the stock with its cards and holders
    with django_assert_max_num_queries(4):
        response = desk.get(STOCK)
    assert len(response.json()) == 5


def test_the_visiting_team_hands_over_and_switches_both_functions_on(client_for):
    outlet = pilot_unit(1, pickup="bank_visit")
    team = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    card = Card.objects.select_related("person").get()
    done = post_json(
        team, f"/api/v1/cards/{card.pk}/visit-hand-over", {"id_number": id_number_of(card.person)}
    )
    assert done.status_code == 200, done.json()
    assert (
        done.json()["stage"],
        done.json()["ss_function"],
        done.json()["financial_function"],
    ) == (
        "handed_over",
        "enabled",
        "activated",
    )
    assert done.json()["status"] == "valid"


def test_an_instant_replacement_is_made_and_handed_over_in_the_one_request(client_for):
    in_force("beijing-2024")
    _employer, (person,) = beijing_unit(1)
    old = card_held(person, generation=2, ss_function="enabled")
    point = branch("ICBC", instant_issuance=True)
    desk = client_for(AccountFactory.create(bank_clerk=True, outlet=point))
    made = post_json(
        desk,
        f"/api/v1/cards/{old.pk}/instant-replacement",
        {"id_number": id_number_of(person), "reason": "damaged"},
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert (body["generation"], body["stage"], body["status"]) == (3, "handed_over", "valid")
    assert body["id"] != old.pk
    old.refresh_from_db()
    assert old.ss_function == "invalid"


# --------------------------------------------------------------------------------------------
# POST /production/batches/{id}/dispatch
# --------------------------------------------------------------------------------------------


def test_production_dispatches_a_batch_and_a_clerk_may_not(production_operator, client_for):
    outlet = pilot_unit(2, pickup="post", dispatched=False)
    batch = Batch.objects.get()
    url = f"/api/v1/production/batches/{batch.pk}/dispatch"
    teller = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    refused = teller.post(url)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert not Shipment.objects.exists()
    sent = client_for(production_operator).post(url)
    assert sent.status_code == 200
    assert sent.json() == {"outlet": 0, "post": 2, "visit": 0}
    again = client_for(production_operator).post(url)
    assert again.json() == {"outlet": 0, "post": 0, "visit": 0}
    assert Shipment.objects.count() == 2
    unknown = client_for(production_operator).post("/api/v1/production/batches/404/dispatch")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")

"""The admin shows delivery's shipments and the post's events read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.utils import timezone

from sscard.applications.services import application_submit
from sscard.applications.tests.support import SH_DAY, centre, clerk, in_force, shanghai_person
from sscard.core.actors import Actor, Role
from sscard.delivery.models import PostEvent, Shipment
from sscard.delivery.services import post_event_record
from sscard.testing.card_life import dispatch, produce

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(user)
    return client


def undeliverable_card() -> None:
    """A Shanghai card posted, which the post could not deliver: two shipments, one event."""
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
    tracking = Shipment.objects.get().tracking_number
    assert tracking is not None
    post_event_record(
        actor=Actor(role=Role.POST, label="China Post"),
        tracking_number=tracking,
        kind="failed",
        occurred_at=timezone.now(),
        reason="nobody home",
    )


def test_every_model_of_delivery_is_registered() -> None:
    for model in apps.get_app_config("delivery").get_models():
        assert admin.site.is_registered(model), model


def test_shipments_and_post_events_can_be_read(admin_client: Client) -> None:
    undeliverable_card()
    for model in (Shipment, PostEvent):
        url = f"/admin/delivery/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
        for row in model.objects.all():
            assert admin_client.get(f"{url}{row.pk}/change/").status_code == 200, url


def test_nothing_is_added_changed_or_deleted_in_the_admin(admin_client: Client) -> None:
    undeliverable_card()
    shipment = Shipment.objects.order_by("pk").first()
    assert shipment is not None
    assert admin_client.get("/admin/delivery/shipment/add/").status_code == 403
    assert admin_client.get("/admin/delivery/postevent/add/").status_code == 403
    response = admin_client.post(f"/admin/delivery/shipment/{shipment.pk}/delete/")
    assert response.status_code == 403
    assert Shipment.objects.filter(pk=shipment.pk).exists()

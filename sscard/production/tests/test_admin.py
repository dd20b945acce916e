"""The admin shows production's records read-only, and never a card's private key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client

from sscard.production.models import Batch, BatchCard, CardKey, FactoryExport, FactoryResult
from sscard.production.tests.support import formed_batch
from sscard.testing.card_life import factory_round_trip, personalise

pytestmark = pytest.mark.django_db
MODELS = (Batch, BatchCard, CardKey, FactoryExport, FactoryResult)


@pytest.fixture
def admin_client(client: Client, django_user_model: Any) -> Client:
    user = django_user_model.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(user)
    return client


def test_every_model_of_production_is_registered() -> None:
    for model in apps.get_app_config("production").get_models():
        assert admin.site.is_registered(model), model


def made_batch(tmp_path: Path) -> None:
    """A batch personalised, exported and made, one card of it defective and remade."""
    batch = formed_batch(2)
    personalise(batch)
    first = BatchCard.objects.filter(batch=batch).order_by("card_id").select_related("card")[0]
    factory_round_trip(
        batch, day=batch.collected_on, out_dir=tmp_path, defective={first.card.card_number}
    )


def test_the_records_of_a_made_batch_can_be_read(admin_client: Client, tmp_path: Path) -> None:
    made_batch(tmp_path)
    for model in MODELS:
        url = f"/admin/production/{model._meta.model_name}/"
        assert admin_client.get(url).status_code == 200, url
        row = model.objects.first()
        assert row is not None
        assert admin_client.get(f"{url}{row.pk}/change/").status_code == 200, url


def test_a_cards_key_is_never_shown(admin_client: Client) -> None:
    batch = formed_batch(1)
    personalise(batch)
    key = CardKey.objects.get()
    page = admin_client.get(f"/admin/production/cardkey/{key.pk}/change/").content.decode()
    wrapped = bytes(key.key_wrapped)
    assert wrapped.hex() not in page
    assert "key_wrapped" not in page


def test_nothing_is_added_changed_or_deleted_in_the_admin(
    admin_client: Client, tmp_path: Path
) -> None:
    made_batch(tmp_path)
    for model in MODELS:
        url = f"/admin/production/{model._meta.model_name}/"
        row = model.objects.first()
        assert row is not None
        assert admin_client.get(f"{url}add/").status_code == 403, url
        assert admin_client.post(f"{url}{row.pk}/delete/").status_code == 403, url
        assert model.objects.filter(pk=row.pk).exists()

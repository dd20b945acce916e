"""The cards' admin reads every model of the app and changes none; a holder shows masked, and
a CA's private key never shows, not even wrapped."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin

from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card, CertificateAuthority, LossReport
from sscard.cards.services import card_challenge_issue, card_report_loss
from sscard.cards.tests.scenarios import beijing_pilot_unit, hospital
from sscard.cards.tests.support import holder_actor
from sscard.testing.card_life import card_of, collect_at, dispatch, id_number_of, produce

pytestmark = pytest.mark.django_db


def test_every_model_of_the_cards_is_registered():
    for model in apps.get_app_config("cards").get_models():
        assert admin.site.is_registered(model), model


@pytest.fixture
def made():
    # a pilot unit's card made (with its certificate), handed over, challenged and reported lost
    unit = beijing_pilot_unit()
    dispatch(produce(day=BJ_PILOT_DAY))
    collect_at(unit.outlet, unit.applications[0])
    made = card_of(unit.applications[0])
    card_challenge_issue(actor=hospital(), card_number=made.card_number)
    card_report_loss(
        actor=holder_actor(made.person), card=made, channel="online", today=BJ_PILOT_DAY
    )
    return made


@pytest.mark.parametrize(
    "model",
    [
        "card",
        "cardcounter",
        "lossreport",
        "certificateauthority",
        "cardcertificate",
        "cardchallenge",
        "cardverification",
    ],
)
def test_each_list_and_row_opens_and_nothing_can_be_added_changed_or_deleted(
    admin_client, made, model
):
    listing = admin_client.get(f"/admin/cards/{model}/")
    assert listing.status_code == 200
    assert admin_client.get(f"/admin/cards/{model}/add/").status_code == 403
    rows = apps.get_model("cards", model).objects.all()
    if rows.exists():
        row = rows.first()
        assert row is not None
        detail = admin_client.get(f"/admin/cards/{model}/{row.pk}/change/")
        assert detail.status_code == 200
        assert admin_client.post(f"/admin/cards/{model}/{row.pk}/delete/").status_code == 403


def test_a_card_shows_its_holder_masked_and_is_found_by_number(admin_client, made):
    number = id_number_of(made.person)
    found = admin_client.get("/admin/cards/card/", {"q": made.card_number}).content.decode()
    assert f"/admin/cards/card/{made.pk}/change/" in found
    detail = admin_client.get(f"/admin/cards/card/{made.pk}/change/").content.decode()
    assert made.person.masked_name in detail
    assert made.person.name not in detail
    assert number not in detail
    report = LossReport.objects.get(card=made)
    assert admin_client.get(f"/admin/cards/lossreport/{report.pk}/change/").status_code == 200
    assert Card.objects.get(pk=made.pk).block == "temporary"  # the admin changed nothing


def test_a_certificate_authority_never_shows_its_private_key(admin_client, made):
    for authority in CertificateAuthority.objects.all():
        detail = admin_client.get(f"/admin/cards/certificateauthority/{authority.pk}/change/")
        page = detail.content.decode()
        assert bytes(authority.certificate).hex() in page
        assert bytes(authority.key_wrapped).hex() not in page
        assert "key_wrapped" not in page

"""The admin works in Chinese, reads masked data only, and writes through services."""

from __future__ import annotations

import pytest
from django.contrib import admin

from sscard.core.actors import Actor
from sscard.core.audit import AuditFact, audit_append
from sscard.core.models import AuditEvent
from sscard.portal.models import Account
from sscard.testing.factories import (
    EmployerFactory,
    ImportJobFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", password="a-long-root-password")
    client.force_login(user)
    return client


def test_every_model_of_ours_is_registered():
    from django.apps import apps

    for app in ("core", "registry", "network", "portal", "campaigns", "notifications"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model


def test_admin_index_is_chinese(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "社会保障卡服务平台管理" in page
    assert "人员" in page


def test_person_admin_shows_masked_identifiers_and_finds_by_full_number(admin_client):
    number = make_id_number(64)
    person = PersonFactory.create(id_number=number, name="司马相如", phone="13512345678")
    PersonFactory.create_batch(3)
    listing = admin_client.get("/admin/registry/person/").content.decode()
    assert "司马**" in listing
    assert "司马相如" not in listing
    assert number not in listing
    found = admin_client.get("/admin/registry/person/", {"q": number}).content.decode()
    assert found.count("/admin/registry/person/") >= 1
    assert f"/admin/registry/person/{person.pk}/change/" in found
    detail = admin_client.get(f"/admin/registry/person/{person.pk}/change/").content.decode()
    assert "司马相如" not in detail
    assert number not in detail
    assert "13512345678" not in detail
    assert admin_client.get("/admin/registry/person/add/").status_code == 403


def test_audit_events_can_be_read_but_not_changed(admin_client):
    from django.db import transaction

    with transaction.atomic():
        event = audit_append(
            actor=Actor.system("t"), fact=AuditFact("test.action", "x", "1", {"a": 1})
        )
    assert admin_client.get("/admin/core/auditevent/").status_code == 200
    detail = admin_client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert detail.status_code == 200
    assert bytes(event.hash).hex() in detail.content.decode()
    assert admin_client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/registry/employer/",
        "/admin/registry/school/",
        "/admin/registry/division/",
        "/admin/network/outlet/",
        "/admin/network/bank/",
        "/admin/network/relyingparty/",
        "/admin/core/importjob/",
        "/admin/core/auditchainhead/",
        "/admin/portal/account/",
        "/admin/portal/apitoken/",
        "/admin/campaigns/campaign/",
        "/admin/notifications/outboxmessage/",
        "/admin/core/auditcheckpoint/",
        "/admin/core/calendaryear/",
        "/admin/registry/fieldkeyretirement/",
    ],
)
def test_changelists_open(admin_client, url):
    EmployerFactory.create()
    ImportJobFactory.create()
    assert admin_client.get(url).status_code == 200


def test_accounts_are_added_through_the_service(admin_client):
    employer = EmployerFactory.create()
    page = admin_client.get("/admin/portal/account/add/")
    assert page.status_code == 200
    response = admin_client.post(
        "/admin/portal/account/add/",
        {
            "username": "hr-admin-made",
            "password": "a-sound-password-42",
            "role": "employer_hr",
            "employer_id": employer.pk,
        },
    )
    assert response.status_code == 302
    account = Account.objects.get(user__username="hr-admin-made")
    assert account.employer == employer
    assert AuditEvent.objects.filter(action="account.create").exists()
    refused = admin_client.post(
        "/admin/portal/account/add/",
        {"username": "hr2", "password": "a-sound-password-42", "role": "employer_hr"},
    )
    assert refused.status_code == 200
    assert "该角色必须绑定其管辖范围" in refused.content.decode()


def test_campaigns_can_be_read_but_not_added_changed_or_deleted(admin_client):
    from sscard.campaigns.services import campaign_put_in_force
    from sscard.policy import builtin_pack

    campaign = campaign_put_in_force(actor=Actor.system("t"), pack=builtin_pack("beijing-2024"))
    detail = admin_client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/")
    assert detail.status_code == 200
    assert "beijing-2024" in detail.content.decode()
    assert admin_client.get("/admin/campaigns/campaign/add/").status_code == 403
    assert admin_client.post(f"/admin/campaigns/campaign/{campaign.pk}/delete/").status_code == 403
    changed = admin_client.post(
        f"/admin/campaigns/campaign/{campaign.pk}/change/", {"title": "x", "status": "withdrawn"}
    )
    assert changed.status_code == 403
    campaign.refresh_from_db()
    assert (campaign.status, campaign.title) == ("in_force", builtin_pack("beijing-2024").title)

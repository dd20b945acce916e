"""The bureau's campaign page and the campaigns and decisions API."""

from __future__ import annotations

import pytest
from django.test import Client

from sscard.campaigns.services import campaign_put_in_force
from sscard.core.actors import Actor, Role
from sscard.policy import builtin_pack
from sscard.portal.models import Account
from sscard.registry.choices import PersonCategory
from sscard.testing.factories import EmployerFactory, PersonFactory, make_id_number
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


@pytest.fixture
def beijing_in_force() -> None:
    campaign_put_in_force(actor=SYSTEM, pack=builtin_pack("beijing-2024"))


def test_officers_see_the_timeline_picture_and_counts(
    beijing_in_force: None, city_officer: Account, client_for: ClientFor
) -> None:
    employer = EmployerFactory.create(insured_district="110102")
    PersonFactory.create_batch(3, employer=employer, category=PersonCategory.IN_SERVICE_STAFF)
    page = client_for(city_officer).get("/campaigns/", {"on": "2024-03-01"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in body
    assert "<rect" in body
    assert "2024-03-01" in body
    assert "put-in-force" in body  # the city officer may put another pack into force


def test_the_page_is_for_the_bureau_only(beijing_in_force: None, client_for: ClientFor) -> None:
    from sscard.testing.factories import AccountFactory

    hr = AccountFactory.create(employer_hr=True)
    assert client_for(hr).get("/campaigns/").status_code == 403


def test_a_city_officer_puts_a_pack_into_force_from_the_page(
    city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    answer = client.post("/campaigns/put-in-force/", {"pack_id": "beijing-2024"})
    assert answer.status_code == 302
    assert "beijing-2024" in client.get("/campaigns/").content.decode()


def test_a_bad_pack_upload_is_refused_with_its_code(
    city_officer: Account, client_for: ClientFor
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = SimpleUploadedFile("p.yaml", b"pack: x\nnonsense_key: 1\n", "application/yaml")
    answer = client_for(city_officer).post("/campaigns/put-in-force/", {"pack_file": bad})
    assert answer.status_code == 400
    assert "pack_" in answer.content.decode()


def test_api_decision_for_a_person_in_scope(
    beijing_in_force: None, bank_clerk: Account, client_for: ClientFor
) -> None:
    employer = EmployerFactory.create(insured_district="110102")
    number = make_id_number(9001)
    PersonFactory.create(id_number=number, employer=employer)
    answer = client_for(bank_clerk).post(
        "/api/v1/decisions",
        {"id_number": number, "action": "first", "channel": "bank_outlet", "day": "2024-03-01"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    decision = answer.json()
    assert decision["allowed"] is False  # BJ-05: no individual 3rd-gen applications in the pilot
    assert decision["reason_code"]
    assert decision["pack_id"] == "beijing-2024"
    assert number not in answer.content.decode()


def test_api_campaigns_list_and_put_in_force(city_officer: Account, client_for: ClientFor) -> None:
    client: Client = client_for(city_officer)
    created = client.post(
        "/api/v1/campaigns", {"pack_id": "beijing-2024"}, content_type="application/json"
    )
    assert created.status_code == 201, created.content
    listed = client.get("/api/v1/campaigns").json()
    assert [c["pack_id"] for c in listed] == ["beijing-2024"]
    unknown = client.post(
        "/api/v1/campaigns", {"pack_id": "atlantis-2099"}, content_type="application/json"
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "pack_not_found"


def test_roles_outside_the_bureau_cannot_put_packs_in_force(client_for: ClientFor) -> None:
    from sscard.testing.factories import AccountFactory

    for role in (Role.EMPLOYER_HR, Role.BANK_CLERK, Role.CARDHOLDER):
        client = client_for(AccountFactory.of_role(role))
        answer = client.post(
            "/api/v1/campaigns", {"pack_id": "beijing-2024"}, content_type="application/json"
        )
        assert answer.status_code == 403, role

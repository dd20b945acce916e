"""The production API: batches and their progress, start, the card-factory file and its
manifest, the factory's result; for the production operator and the city bureau only."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.services import collective_submit
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    beijing_unit,
    confirm_all,
    hr,
    in_force,
    notified_collective,
)
from sscard.cards.models import Card
from sscard.core.models import AuditEvent
from sscard.production.models import Batch, FactoryExport, FactoryResult
from sscard.production.services import batches_form
from sscard.production.services.factory import factory_key
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import OPERATOR, personalise, root
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db
BATCHES = "/api/v1/production/batches"


@pytest.fixture(autouse=True)
def factory_dir(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "factory"
    settings.SSCARD_FACTORY_DIR = path
    return path


def submitted(size: int) -> None:
    in_force("beijing-2024")
    employer, staff = beijing_unit(size)
    collective = notified_collective(employer)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)


def upload(data: bytes) -> dict[str, SimpleUploadedFile]:
    return {"file": SimpleUploadedFile("result.csv", data, content_type="text/csv")}


def test_an_operator_takes_a_batch_from_forming_to_the_factorys_result(
    production_operator, client_for, factory_dir, django_capture_on_commit_callbacks
):
    submitted(2)
    api = client_for(production_operator)
    # form
    formed = api.post(BATCHES)
    assert formed.status_code == 201, formed.json()
    [batch] = formed.json()
    assert (batch["channel"], batch["collected_on"], batch["card_count"], batch["status"]) == (
        "collective_online",
        BJ_PILOT_DAY.isoformat(),
        2,
        "formed",
    )
    assert (batch["personalised"], batch["percent_personalised"]) == (0, 0)
    url = f"{BATCHES}/{batch['id']}"
    # no manifest before a file was sent
    early = api.get(f"{url}/manifest")
    assert (early.status_code, early.json()["code"]) == (409, "batch_not_exported")
    # start: the workers personalise it once the start commits
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{url}/start")
    assert started.status_code == 200, started.json()
    polled = api.get(url).json()
    assert (polled["status"], polled["personalised"], polled["percent_personalised"]) == (
        "personalised",
        2,
        100,
    )
    # export: the sealed file comes back, the manifest beside it
    exported = api.post(f"{url}/export")
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith("attachment")
    sealed = b"".join(exported.streaming_content)
    manifest = api.get(f"{url}/manifest").json()
    assert manifest["bytes"] == len(sealed)
    data_path = factory_dir / manifest["file"]
    manifest_path = factory_dir / f"{data_path.stem}.manifest.json"
    assert data_path.read_bytes() == sealed
    intake = factory_read(
        data=data_path, manifest=manifest_path, key=factory_key(), trusted_root=root()
    )
    # the factory's result, one card spoiled
    spoiled = intake.cards[0]["card_number"]
    result_file = factory_result(intake, defective={spoiled})
    imported = api.post(f"{url}/results", upload(result_file))
    assert imported.status_code == 200, imported.json()
    body = imported.json()
    assert (body["made"], body["defective"], body["unchanged"]) == (1, 1, 0)
    assert body["remake_batch_id"] is not None
    # the same file again answers the same and changes nothing
    events = AuditEvent.objects.count()
    again = api.post(f"{url}/results", upload(result_file))
    assert again.json() == body
    assert AuditEvent.objects.count() == events
    listed = api.get(BATCHES).json()
    assert [(b["kind"], b["status"]) for b in listed] == [
        ("regular", "completed"),
        ("remake", "formed"),
    ]
    assert (listed[0]["produced"], listed[0]["defective"]) == (1, 1)


def test_a_refused_result_file_answers_its_row_and_code(production_operator, client_for):
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    personalise(batch)
    api = client_for(production_operator)
    api.post(f"{BATCHES}/{batch.pk}/export")
    card = Card.objects.get()
    data = (
        "card_number,card_id_code,outcome,defect_reason\n"
        f"{card.card_number},{card.card_id_code},lost,\n"
    ).encode()
    refused = api.post(f"{BATCHES}/{batch.pk}/results", upload(data))
    assert refused.status_code == 422
    assert set(refused.json()) == {"code", "message_zh", "message_en", "details"}
    assert (refused.json()["code"], refused.json()["details"]["row"]) == (
        "factory_result_outcome",
        2,
    )
    assert not FactoryResult.objects.exists()
    Card.objects.get(stage="personalised")


def test_exporting_a_batch_not_personalised_is_a_conflict(production_operator, client_for):
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    response = client_for(production_operator).post(f"{BATCHES}/{batch.pk}/export")
    assert (response.status_code, response.json()["code"]) == (409, "batch_not_personalised")
    assert not FactoryExport.objects.exists()


def test_starting_twice_after_personalisation_is_a_conflict(production_operator, client_for):
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    personalise(batch)
    response = client_for(production_operator).post(f"{BATCHES}/{batch.pk}/start")
    assert (response.status_code, response.json()["code"]) == (409, "batch_not_startable")


def test_an_unknown_batch_is_not_found(production_operator, client_for):
    api = client_for(production_operator)
    for response in (
        api.get(f"{BATCHES}/404"),
        api.post(f"{BATCHES}/404/start"),
        api.post(f"{BATCHES}/404/export"),
        api.get(f"{BATCHES}/404/manifest"),
    ):
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_city_bureau_reads_batches(city_officer, client_for):
    submitted(1)
    batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    listed = client_for(city_officer).get(BATCHES)
    assert listed.status_code == 200
    assert len(listed.json()) == 1


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk", "cardholder", "employer_hr"])
def test_other_roles_are_refused_every_production_operation(role, client_for):
    submitted(1)
    (batch,) = batches_form(actor=OPERATOR, today=BJ_PILOT_DAY)
    api = client_for(AccountFactory.of_role(role))
    url = f"{BATCHES}/{batch.pk}"
    responses = [
        api.get(BATCHES),
        api.post(BATCHES),
        api.get(url),
        api.post(f"{url}/start"),
        api.post(f"{url}/export"),
        api.get(f"{url}/manifest"),
        api.post(f"{url}/results", upload(b"card_number,card_id_code,outcome,defect_reason\n")),
    ]
    assert [(r.status_code, r.json()["code"]) for r in responses] == [
        (403, "permission_denied")
    ] * len(responses)
    assert Batch.objects.get().status == "formed"
    assert not FactoryExport.objects.exists()


def test_without_a_credential_the_api_answers_401(client):
    response = client.get(BATCHES)
    assert (response.status_code, response.json()["code"]) == (401, "authentication_required")


def test_listing_batches_takes_the_same_few_queries_however_many_there_are(
    production_operator, client_for, django_assert_max_num_queries
):
    submitted(6)
    batches_form(actor=OPERATOR, today=BJ_PILOT_DAY, max_cards=1)
    api = client_for(production_operator)
    # session, user and account, then one query for every batch with its progress
    with django_assert_max_num_queries(4):
        response = api.get(BATCHES)
    assert response.status_code == 200
    assert len(response.json()) == 6
    assert json.loads(response.content)[0]["card_count"] == 1

"""The production pages: the batches with their progress, one batch with its factory files,
the factory's result with its defects and remakes, and the dispatch of the made cards."""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.tests.support import branch, in_force
from sscard.cards.models import Card
from sscard.delivery.models import Shipment
from sscard.delivery.tests.page_support import applicant, applied_at, today
from sscard.production.choices import BatchStatus
from sscard.production.models import Batch, FactoryExport
from sscard.production.services import batch_start, batches_form
from sscard.production.services.factory import factory_key
from sscard.production.services.personalise import batch_personalise
from sscard.testing.card_factory import factory_read, factory_result
from sscard.testing.card_life import OPERATOR, personalise, produce, root
from sscard.testing.factories import AccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def outlet():
    in_force("beijing-2024")
    return branch("ICBC", name="工商银行朝阳支行")


def test_the_operator_sees_the_batches_oldest_first_in_few_queries(
    production_operator, client_for, outlet, django_assert_max_num_queries
):
    # given three batches in three states
    for _ in range(3):
        applied_at(outlet, applicant()[0])
    produce(day=today())  # one batch, made
    applied_at(outlet, applicant()[0])
    formed = batches_form(actor=OPERATOR, today=today())
    operator = client_for(production_operator)
    # when the operator opens the page (session, account, batches, files, waiting, paging)
    with django_assert_max_num_queries(10):
        page = operator.get("/production/")
    # then each batch shows its status, progress and next step
    body = page.content.decode()
    assert page.status_code == 200
    assert "制卡批次" in body
    assert "3 / 3" in body  # personalised / total of the made batch
    assert "0 / 1" in body  # and of the new one
    assert f'href="/production/batches/{formed[0].pk}/"' in body
    assert "开始个人化" in body
    assert "发出3张卡" in body


@pytest.mark.parametrize("role", ["city_officer", "bank_clerk", "cardholder", "employer_hr"])
def test_other_roles_are_refused(role, client_for):
    client = client_for(AccountFactory.of_role(role))
    assert client.get("/production/").status_code == 403
    assert client.post("/production/batches/form/").status_code == 403


def test_a_batch_goes_from_forming_to_dispatch_through_the_pages(
    production_operator, client_for, outlet, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SSCARD_FACTORY_DIR = tmp_path / "factory"
    holders = [applicant()[0] for _ in range(3)]
    for person in holders:
        applied_at(outlet, person)
    operator = client_for(production_operator)

    # form
    page = operator.post("/production/batches/form/", follow=True)
    assert "已组成1个批次，共3张卡" in page.content.decode()
    batch = Batch.objects.get()

    # start: the embedded set-up personalises at once, so the page shows 100 %
    with django_capture_on_commit_callbacks(execute=True):
        operator.post(f"/production/batches/{batch.pk}/start/")
    page = operator.get(f"/production/batches/{batch.pk}/")
    body = page.content.decode()
    assert "data-percent>100%" in body
    assert 'hx-trigger="every 2s"' not in body
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PERSONALISED

    # the factory file and its manifest
    page = operator.post(f"/production/batches/{batch.pk}/export/", follow=True)
    export = FactoryExport.objects.get(batch=batch)
    assert export.file_name in page.content.decode()
    data = operator.get(f"/production/batches/{batch.pk}/files/{export.file_name}")
    assert data.status_code == 200
    assert "attachment" in data["Content-Disposition"]
    sealed = b"".join(data.streaming_content)
    manifest_name = export.file_name.removesuffix(".sm4") + ".manifest.json"
    manifest = operator.get(f"/production/batches/{batch.pk}/files/{manifest_name}")
    manifest_bytes = b"".join(manifest.streaming_content)
    assert json.loads(manifest_bytes)["cards"] == 3
    # nothing else in the factory directory is served
    assert operator.get(f"/production/batches/{batch.pk}/files/..%2Fsecret").status_code == 404
    assert operator.get(f"/production/batches/{batch.pk + 1}/files/x.sm4").status_code == 404

    # the factory reads the downloaded file and reports one card defective
    (tmp_path / "in.sm4").write_bytes(sealed)
    (tmp_path / "in.json").write_bytes(manifest_bytes)
    intake = factory_read(
        data=tmp_path / "in.sm4",
        manifest=tmp_path / "in.json",
        key=factory_key(),
        trusted_root=root(),
    )
    spoiled = intake.cards[0]["card_number"]
    result = factory_result(intake, defective=[spoiled])
    upload = SimpleUploadedFile("result.csv", result, "text/csv")
    # a file with a defective card is asked again before the card is cancelled and remade
    asked = operator.post(f"/production/batches/{batch.pk}/results/", {"file": upload})
    body = asked.content.decode()
    assert 'data-confirm="import-result"' in body
    assert "2张卡已制成、1张废卡" in body
    assert not Card.objects.filter(remake_of__isnull=False).exists()
    staged = re.search(r'name="staged" value="([0-9a-f]{64})"', body)
    assert staged is not None
    page = operator.post(
        f"/production/batches/{batch.pk}/results/",
        {"staged": staged.group(1), "confirm": "1"},
        follow=True,
    )
    body = page.content.decode()
    assert "2张已制成，1张废卡，0张此前已记录" in body
    remake = Card.objects.get(remake_of__card_number=spoiled)
    assert spoiled in body
    assert remake.card_number in body  # the defects list names the remake
    # the same file again changes nothing and says so
    again = SimpleUploadedFile("result.csv", result, "text/csv")
    page = operator.post(f"/production/batches/{batch.pk}/results/", {"file": again}, follow=True)
    assert "该结果文件已于" in page.content.decode()
    assert Card.objects.filter(remake_of__isnull=False).count() == 1

    # dispatch the two made cards to the outlet
    page = operator.post(f"/production/batches/{batch.pk}/dispatch/", follow=True)
    assert "已发出2张卡" in page.content.decode()
    assert Shipment.objects.filter(outlet=outlet, status="in_transit").count() == 2


def test_a_refusal_is_shown_in_the_page_language(production_operator, client_for, outlet):
    applied_at(outlet, applicant()[0])
    (batch,) = batches_form(actor=OPERATOR, today=today())
    operator = client_for(production_operator)
    page = operator.post(f"/production/batches/{batch.pk}/export/", follow=True)
    assert "batch_not_personalised" in page.content.decode()
    assert "该批次尚有卡片未完成个人化" in page.content.decode()
    operator.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = operator.post(f"/production/batches/{batch.pk}/export/", follow=True)
    assert "Some cards of this batch are not personalised yet" in page.content.decode()


def test_the_progress_polls_while_personalising_and_reloads_when_done(
    production_operator, client_for, outlet
):
    # given a batch whose workers have not run yet
    applied_at(outlet, applicant()[0])
    (batch,) = batches_form(actor=OPERATOR, today=today())
    batch_start(actor=OPERATOR, batch_id=batch.pk)
    operator = client_for(production_operator)
    page = operator.get(f"/production/batches/{batch.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "继续个人化" in page  # a stopped batch can be resumed
    poll = operator.get(
        f"/production/batches/{batch.pk}/progress/?polling=1", HTTP_HX_REQUEST="true"
    )
    assert "<html" not in poll.content.decode()
    assert "data-percent>0%" in poll.content.decode()
    # when a worker finishes it
    batch_personalise(batch_id=batch.pk)
    # then the next poll reloads the page, which offers the factory file
    poll = operator.get(
        f"/production/batches/{batch.pk}/progress/?polling=1", HTTP_HX_REQUEST="true"
    )
    assert poll["HX-Refresh"] == "true"
    assert "写出制卡文件" in operator.get(f"/production/batches/{batch.pk}/").content.decode()


def test_a_missing_batch_is_not_found(production_operator, client_for):
    assert client_for(production_operator).get("/production/batches/999/").status_code == 404


def test_export_writes_into_the_factory_directory(
    production_operator, client_for, outlet, settings, tmp_path
):
    settings.SSCARD_FACTORY_DIR = tmp_path
    applied_at(outlet, applicant()[0])
    (batch,) = batches_form(actor=OPERATOR, today=today())
    personalise(batch)
    client_for(production_operator).post(f"/production/batches/{batch.pk}/export/")
    assert (tmp_path / f"batch-{batch.pk}-1.sm4").is_file()
    assert (tmp_path / f"batch-{batch.pk}-1.manifest.json").is_file()

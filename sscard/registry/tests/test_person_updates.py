"""The persons import's update mode: a preview lists every changed field per row (masked) and
writes nothing; an officer's confirmation applies the non-identity changes and proposes the
identity ones for approval, one proposal per person; bad rows refused with their codes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.core.actors import Actor, Role
from sscard.core.crypto import ID_NUMBER, field_cipher
from sscard.core.errors import ApplicationError
from sscard.core.models import Approval, AuditEvent, BackgroundJob
from sscard.portal.models import Account
from sscard.registry.models import Person
from sscard.registry.updates import (
    person_updates_confirm,
    person_updates_discard,
    person_updates_queue,
)
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    DivisionFactory,
    PersonFactory,
    make_id_number,
)
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db

OFFICER = Actor(role=Role.CITY_OFFICER, label="officer", user_id=901, city_code="110000")
OTHER = Actor(role=Role.CITY_OFFICER, label="other", user_id=902, city_code="110000")
HEADER = ["id_number", "name", "phone", "insured_region", "category", "address"]


@pytest.fixture(autouse=True)
def _districts() -> None:
    DivisionFactory.create(code=XICHENG)
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")


def _number(person: Person) -> str:
    return field_cipher().decrypt(bytes(person.id_number_enc), field=ID_NUMBER)


def _upload(rows: list[list[str]], header: list[str] = HEADER) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile("updates.csv", out.getvalue().encode(), content_type="text/csv")


def _snapshot() -> list[tuple[object, ...]]:
    return list(
        Person.objects.order_by("pk").values_list(
            "name", "phone_masked", "insured_region", "category", "address", "id_number_masked"
        )
    )


def test_the_preview_lists_changes_masked_and_writes_nothing() -> None:
    # given two persons and a file that changes one's phone and the other's name
    one = PersonFactory.create(phone="13900001111", name="李雷")
    two = PersonFactory.create(name="韩梅梅")
    unknown = make_id_number(321)
    rows = [
        [_number(one), "", "13700002222", "", "", ""],
        [_number(two), "韩梅", "", "", "", ""],
        [unknown, "", "13700003333", "", "", ""],
        [_number(one)[:-1] + "0", "", "", "", "", ""],
        [_number(PersonFactory.create()), "", "", "999999", "", ""],
    ]
    before = _snapshot()
    events = AuditEvent.objects.count()
    # when an officer uploads it
    job = person_updates_queue(actor=OFFICER, upload=_upload(rows))
    # then the job awaits confirmation with its preview, and nothing is written
    assert job.status == BackgroundJob.Status.AWAITING
    assert _snapshot() == before
    assert AuditEvent.objects.count() == events
    assert not Approval.objects.exists()
    counts = job.result["counts"]
    assert counts["changed"] == 2
    assert counts["to_apply"] == 1
    assert counts["to_propose"] == 1
    assert counts["refused"] == 3
    by_row = {r["row"]: r for r in job.result["rows"]}
    assert by_row[2]["changes"]["phone"] == ["*******1111", "*******2222"]
    assert by_row[3]["changes"]["name"] == ["韩**", "韩*"]
    assert by_row[3]["identity"] is True
    assert [e["code"] for e in by_row[4]["errors"]] == ["update_person_unknown"]
    assert by_row[5]["errors"][0]["code"].startswith("id_")
    assert [e["code"] for e in by_row[6]["errors"]] == ["district_unknown"]
    text = str(job.result)
    assert "13700002222" not in text
    assert "韩梅," not in text


def test_confirming_applies_at_once_and_proposes_identity_changes() -> None:
    # given a previewed file
    one = PersonFactory.create(phone="13900001111", name="李雷")
    two = PersonFactory.create(name="韩梅梅", category="in_service_staff")
    job = person_updates_queue(
        actor=OFFICER,
        upload=_upload(
            [
                [_number(one), "", "13700002222", CHAOYANG, "", "新地址1号"],
                [_number(two), "韩梅", "", "", "", ""],
            ]
        ),
    )
    assert job.status == BackgroundJob.Status.AWAITING
    # when another officer confirms it
    job = person_updates_confirm(actor=OTHER, job_id=job.pk)
    # then the phone, district and address are written, the name proposed for approval
    assert job.status == BackgroundJob.Status.SUCCEEDED, job.error_code
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.phone_masked.endswith("2222")
    assert one.insured_region == CHAOYANG
    assert one.address == "新地址1号"
    assert two.name == "韩梅梅"
    approval = Approval.objects.get(subject_id=str(two.pk))
    assert approval.state == Approval.State.PENDING
    assert approval.payload["job_id"] == job.pk
    assert job.result["counts"]["applied"] == 1
    assert job.result["counts"]["proposed"] == 1
    assert AuditEvent.objects.filter(action="person_correct", object_id=str(one.pk)).exists()
    # and a second confirmation is refused: the job no longer awaits
    with pytest.raises(ApplicationError) as caught:
        person_updates_confirm(actor=OTHER, job_id=job.pk)
    assert caught.value.code == "person_updates_not_awaiting"


def test_a_discarded_file_writes_nothing() -> None:
    one = PersonFactory.create(phone="13900001111")
    job = person_updates_queue(
        actor=OFFICER, upload=_upload([[_number(one), "", "13700002222", "", "", ""]])
    )
    before = _snapshot()
    job = person_updates_discard(actor=OFFICER, job_id=job.pk)
    assert job.status == BackgroundJob.Status.DISCARDED
    assert _snapshot() == before


def test_a_file_without_the_id_number_column_is_refused() -> None:
    job = person_updates_queue(actor=OFFICER, upload=_upload([["x"]], header=["name"]))
    assert job.status == BackgroundJob.Status.REFUSED
    assert job.error_code == "columns_missing"


def test_a_district_officer_updates_only_their_districts_persons() -> None:
    officer = Actor(role=Role.DISTRICT_OFFICER, label="d", user_id=903, district_code=XICHENG)
    theirs = PersonFactory.create(hukou_region=CHAOYANG, insured_region=CHAOYANG)
    job = person_updates_queue(
        actor=officer, upload=_upload([[_number(theirs), "", "13700002222", "", "", ""]])
    )
    assert [e["code"] for e in job.result["rows"][0]["errors"]] == ["update_person_unknown"]


def test_the_api_previews_then_confirms(city_officer: Account, client_for: ClientFor) -> None:
    one = PersonFactory.create(phone="13900001111")
    client = client_for(city_officer)
    upload = _upload([[_number(one), "", "13700002222", "", "", ""]])
    response = client.post("/api/v1/persons/updates", {"file": upload})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "awaiting"
    assert body["next"] == {"confirm": True, "discard": True}
    assert body["result"]["rows"][0]["changes"]["phone"] == ["*******1111", "*******2222"]
    one.refresh_from_db()
    assert one.phone_masked.endswith("1111")
    confirmed = client.post(f"/api/v1/persons/updates/{body['id']}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "succeeded"
    one.refresh_from_db()
    assert one.phone_masked.endswith("2222")
    again = client.post(f"/api/v1/persons/updates/{body['id']}/confirm")
    assert again.status_code == 409
    assert again.json()["code"] == "person_updates_not_awaiting"


def test_the_page_previews_then_applies(city_officer: Account, client_for: ClientFor) -> None:
    one = PersonFactory.create(phone="13900001111")
    client = client_for(city_officer)
    upload = _upload([[_number(one), "", "13700002222", "", "", ""]])
    response = client.post("/persons/updates/", {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = page.content.decode()
    assert 'id="update-confirm"' in text
    assert "*******2222" in text
    assert "13700002222" not in text
    one.refresh_from_db()
    assert one.phone_masked.endswith("1111")
    applied = client.post(response["Location"], {"action": "confirm"})
    assert applied.status_code == 200
    assert 'id="update-confirm"' not in applied.content.decode()
    one.refresh_from_db()
    assert one.phone_masked.endswith("2222")


@pytest.mark.django_db(transaction=True)
def test_the_command_line_previews_then_applies(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from sscard.cli import cli

    DivisionFactory.create(code=XICHENG)
    one = PersonFactory.create(phone="13900001111")
    path = tmp_path / "updates.csv"
    path.write_text(f"id_number,phone\n{_number(one)},13700002222\n", encoding="utf-8")
    preview = CliRunner().invoke(cli, ["person-updates", str(path)], catch_exceptions=False)
    assert preview.exit_code == 0, preview.output
    assert "*******2222" in preview.output
    assert "awaiting" in preview.output
    one.refresh_from_db()
    assert one.phone_masked.endswith("1111")
    applied = CliRunner().invoke(
        cli, ["person-updates", str(path), "--apply"], catch_exceptions=False
    )
    assert applied.exit_code == 0, applied.output
    one.refresh_from_db()
    assert one.phone_masked.endswith("2222")


def test_a_new_id_number_in_the_file_is_proposed_then_applied_on_approval() -> None:
    from sscard.core.approvals import approval_decide
    from sscard.registry.selectors import person_find_by_id_number

    person = PersonFactory.create()
    old, new = _number(person), make_id_number(8080)
    header = ["id_number", "new_id_number"]
    job = person_updates_queue(actor=OFFICER, upload=_upload([[old, new]], header=header))
    assert new not in str(job.result)
    job = person_updates_confirm(actor=OFFICER, job_id=job.pk)
    approval = Approval.objects.get(subject_id=str(person.pk))
    assert new not in str(approval.payload)
    # the maker who confirmed the file cannot approve it; another officer can
    with pytest.raises(ApplicationError) as own:
        approval_decide(actor=OFFICER, approval_id=approval.pk, approve=True)
    assert own.value.code == "approval_own_change"
    approval_decide(actor=OTHER, approval_id=approval.pk, approve=True)
    assert person_find_by_id_number(actor=OFFICER, id_number=new).pk == person.pk
    assert person_find_by_id_number(actor=OFFICER, id_number=old).pk == person.pk

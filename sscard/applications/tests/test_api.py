"""The application API: the same operations as the pages, with the one error shape."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from sscard.applications.models import Application
from sscard.applications.tests.support import (
    BJ_PILOT_DAY,
    SH_DAY,
    branch,
    centre,
    in_force,
    shanghai_person,
)
from sscard.testing.factories import AccountFactory, PersonFactory, make_id_number

pytestmark = pytest.mark.django_db
DAY = BJ_PILOT_DAY.isoformat()


def test_hr_walks_the_four_steps_and_staff_confirm_through_the_api(employer_hr, client_for):
    in_force("beijing-2024")
    employer = employer_hr.employer
    staff = [PersonFactory.create(employer=employer) for _ in range(3)]
    hr = client_for(employer_hr)
    opened = hr.post("/api/v1/collectives", {"day": DAY}, content_type="application/json")
    assert opened.status_code == 201, opened.json()
    cid = opened.json()["id"]
    early = hr.post(f"/api/v1/collectives/{cid}/notify")
    assert early.status_code == 409
    assert set(early.json()) == {"code", "message_zh", "message_en", "details"}
    assert early.json()["code"] == "collective_step_out_of_order"
    outlet = branch("ICBC")
    arranged = hr.post(
        f"/api/v1/collectives/{cid}/arrange",
        {"day": DAY, "pickup": "branch", "outlet_id": outlet.pk},
        content_type="application/json",
    )
    assert arranged.json()["step"] == "arranged"
    added = hr.post(
        f"/api/v1/collectives/{cid}/roster", {"day": DAY}, content_type="application/json"
    )
    assert added.json()["added"] == 3
    notified = hr.post(f"/api/v1/collectives/{cid}/notify")
    assert notified.json()["progress"]["invited"] == 3
    for person in staff[:2]:
        me = client_for(AccountFactory.create(cardholder=True, person=person))
        [invitation] = me.get("/api/v1/invitations").json()
        bad = me.post(
            f"/api/v1/invitations/{invitation['id']}/confirm",
            {"day": DAY, "phone": "12345", "photo_source": "id_card"},
            content_type="application/json",
        )
        assert bad.json()["code"] == "phone_invalid"
        ok = me.post(
            f"/api/v1/invitations/{invitation['id']}/confirm",
            {"day": DAY, "phone": "13700001111", "photo_source": "id_card"},
            content_type="application/json",
        )
        assert ok.json()["status"] == "confirmed"
    roster = hr.get(f"/api/v1/collectives/{cid}/roster?status=invited").json()
    assert roster["count"] == 1
    assert "*" in roster["items"][0]["id_number"]
    reminded = hr.post(f"/api/v1/collectives/{cid}/remind")
    assert reminded.json() == {"messages": 1}
    submitted = hr.post(
        f"/api/v1/collectives/{cid}/submit", {"day": DAY}, content_type="application/json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["submitted"], submitted.json()["unconfirmed"]) == (2, 1)
    listed = hr.get("/api/v1/applications").json()
    assert listed["count"] == 2


def test_a_clerk_takes_an_application_by_id_number_and_a_refusal_has_the_engines_code(
    client_for,
):
    in_force("shanghai-2019")
    desk = centre()
    clerk = client_for(AccountFactory.create(community_clerk=True, outlet=desk))
    person = shanghai_person(id_number=make_id_number(42, region="310101"))
    body = {
        "id_number": make_id_number(42, region="310101"),
        "channel": "community_centre",
        "action": "first",
        "day": SH_DAY.isoformat(),
        "bank": "BOSC",
        "backup_centre_id": desk.pk,
        "photo_source": "id_card",
    }
    created = clerk.post("/api/v1/applications", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    assert created.json()["clause"] == "SH-06"
    assert created.json()["person_id"] == person.pk
    again = clerk.post("/api/v1/applications", body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "application_already_open")
    bank_clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("BOSC")))
    other = shanghai_person(id_number=make_id_number(43, region="310101"))
    redirected = bank_clerk.post(
        "/api/v1/applications",
        {**body, "id_number": make_id_number(43, region="310101"), "channel": "bank_outlet"},
        content_type="application/json",
    )
    assert redirected.status_code == 422
    assert redirected.json()["code"] == "use_community_centre"
    assert redirected.json()["details"]["redirect_to"] == "community_centre"
    assert not Application.objects.filter(person=other).exists()


def test_a_photo_upload_is_checked_and_a_holder_applies_with_it(client_for):
    in_force("shanghai-2019")
    person = shanghai_person()
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    not_image = me.post("/api/v1/photos", {"file": io.BytesIO(b"hello" * 5000)})
    assert not_image.json()["code"] == "photo_not_image"
    rng = random.Random(3)
    out = io.BytesIO()
    Image.frombytes("RGB", (400, 500), rng.randbytes(400 * 500 * 3)).save(out, format="JPEG")
    out.seek(0)
    out.name = "me.jpg"
    photo = me.post("/api/v1/photos", {"file": out})
    assert photo.status_code == 201, photo.json()
    created = me.post(
        "/api/v1/applications",
        {
            "channel": "online",
            "action": "migrate",
            "day": SH_DAY.isoformat(),
            "bank": "CCB",
            "backup_centre_id": centre().pk,
            "photo_source": "captured_on_site",
            "photo_id": photo.json()["id"],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    mine = me.get(f"/api/v1/applications/{created.json()['id']}")
    assert mine.json()["photo_source"] == "captured_on_site"


def test_the_operations_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/applications",
        "/api/v1/collectives/{collective_id}/submit",
        "/api/v1/invitations/{entry_id}/confirm",
        "/api/v1/photos",
    ):
        assert path in paths


def test_the_application_list_takes_a_fixed_number_of_queries(
    employer_hr, client_for, django_assert_max_num_queries
):
    from sscard.applications.tests.support import confirm_all, hr, notified_collective

    in_force("beijing-2024")
    employer = employer_hr.employer
    staff = [PersonFactory.create(employer=employer) for _ in range(6)]
    collective = notified_collective(employer, day=BJ_PILOT_DAY)
    confirm_all(collective, staff, BJ_PILOT_DAY)
    from sscard.applications.services import collective_submit

    collective_submit(actor=hr(employer), collective_id=collective.pk, day=BJ_PILOT_DAY)
    client = client_for(employer_hr)
    with django_assert_max_num_queries(6):
        listed = client.get("/api/v1/applications")
    assert listed.json()["count"] == 6
    with django_assert_max_num_queries(6):
        roster = client.get(f"/api/v1/collectives/{collective.pk}/roster")
    assert roster.json()["count"] == 6


def test_an_uploaded_roster_answers_its_row_errors_and_the_report(employer_hr, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    in_force("beijing-2024")
    hr = client_for(employer_hr)
    cid = hr.post("/api/v1/collectives", {"day": DAY}, content_type="application/json").json()["id"]
    upload = SimpleUploadedFile(
        "r.csv", f"id_number,name\n{make_id_number(99)},\n".encode(), "text/csv"
    )
    result = hr.post(f"/api/v1/collectives/{cid}/roster/upload", {"day": DAY, "file": upload})
    assert result.json()["refused"] == {"person_unknown": 1}
    report = hr.get(f"/api/v1/collectives/{cid}/roster/report/{result.json()['report_path']}")
    body = b"".join(report.streaming_content).decode("utf-8-sig")
    assert "person_unknown" in body
    assert make_id_number(99) not in body

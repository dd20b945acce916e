"""The application pages: the HR wizard, staff confirmation, the counter, the holder's page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sscard.applications.models import Application, RosterEntry
from sscard.applications.tests.support import branch, centre, in_force, shanghai_person
from sscard.notifications.models import OutboxMessage
from sscard.testing.factories import (
    AccountFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_hr_completes_the_four_steps_in_the_pages(employer_hr, client_for):
    in_force("beijing-2024")  # today is in the city-wide phase (BJ-14): staff in batch
    employer = employer_hr.employer
    staff = [PersonFactory.create(employer=employer) for _ in range(2)]
    hr = client_for(employer_hr)
    page = hr.get("/collective/")
    assert page.status_code == 200
    assert "开通集体申请" in page.content.decode() or "Open" in page.content.decode()
    hr.post("/collective/open/")
    collective = employer.collectives.get()
    hr.post(f"/collective/{collective.pk}/arrange/", {"pickup": "post", "bank": "CCB"})
    hr.post(f"/collective/{collective.pk}/roster/add/")
    upload = SimpleUploadedFile(
        "roster.csv", f"id_number,name\n{make_id_number(77)},\n".encode(), "text/csv"
    )
    after = hr.post(f"/collective/{collective.pk}/roster/upload/", {"file": upload}, follow=True)
    assert "person_unknown" in after.content.decode()
    hr.post(f"/collective/{collective.pk}/notify/")
    assert OutboxMessage.objects.filter(template_key="confirm_request").count() == 2
    for person in staff[:1]:
        me = client_for(AccountFactory.create(cardholder=True, person=person))
        entry = RosterEntry.objects.get(person=person)
        form = me.get(f"/applications/mine/confirm/{entry.pk}/")
        assert form.status_code == 200
        done = me.post(
            f"/applications/mine/confirm/{entry.pk}/",
            {"phone": "13600001111", "photo_source": "id_card", "mailing_address": "x"},
        )
        assert done.status_code == 302, done.content.decode()
    page = hr.post(f"/collective/{collective.pk}/submit/", follow=True)
    assert Application.objects.filter(collective=collective).count() == 1
    assert page.status_code == 200


def test_the_roster_partial_answers_htmx(employer_hr, client_for):
    in_force("beijing-2024")
    hr = client_for(employer_hr)
    hr.post("/collective/open/")
    collective = employer_hr.employer.collectives.get()
    partial = hr.get(f"/collective/?id={collective.pk}&status=invited", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()


@pytest.mark.parametrize("role", ["cardholder", "community_clerk", "city_officer"])
def test_the_hr_workspace_is_for_hr_and_bank_clerks_only(role, client_for):
    response = client_for(AccountFactory.of_role(role)).get("/collective/")
    assert response.status_code == 403


def test_a_clerk_takes_an_application_at_the_counter_and_sees_the_decision(client_for):
    in_force("shanghai-2019")
    desk = centre(district="310101")
    clerk = client_for(AccountFactory.create(community_clerk=True, outlet=desk, city_code="310000"))
    shanghai_person(id_number=make_id_number(5, region="310101"))
    form = clerk.get("/applications/counter/")
    assert form.status_code == 200
    answer = clerk.post(
        "/applications/counter/",
        {
            "id_number": make_id_number(5, region="310101"),
            "action": "first",
            "channel": "community_centre",
            "bank": "BOSC",
            "photo_source": "id_card",
            "backup_centre": desk.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    body = answer.content.decode()
    # the campaign has ended by today: the engine's reason is shown, nothing is written
    assert "no_campaign_in_force" in body
    assert not Application.objects.exists()


def test_a_bank_clerks_counter_offers_only_its_outlets_channels(client_for):
    in_force("beijing-2024")
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=branch("ICBC")))
    body = clerk.get("/applications/counter/").content.decode()
    assert 'value="bank_outlet"' in body
    assert 'value="community_centre"' not in body
    assert 'value="instant_outlet"' not in body


def test_the_holder_sees_their_application_with_its_timeline(client_for):
    in_force("beijing-2024")
    person = PersonFactory.create(insured_region="110105", hukou_region="110105", address="x")
    me = client_for(AccountFactory.create(cardholder=True, person=person))
    created = me.post(
        "/applications/mine/apply/",
        {
            "person": person.pk,
            "action": "first",
            "channel": "online",
            "bank": "ICBC",
            "photo_source": "id_card",
        },
    )
    assert created.status_code == 302, created.content.decode()
    page = me.get("/applications/mine/").content.decode()
    assert "BJ-10" in page
    assert "timeline-list" in page
    refused = me.post(
        "/applications/mine/apply/",
        {
            "person": person.pk,
            "action": "first",
            "channel": "online",
            "bank": "ICBC",
            "photo_source": "id_card",
        },
    )
    assert "application_already_open" in refused.content.decode()


def test_a_bank_clerk_opens_a_collective_application_for_an_employer_offline(client_for):
    in_force("beijing-2024")
    outlet = branch("ICBC")
    employer = EmployerFactory.create()
    clerk = client_for(AccountFactory.create(bank_clerk=True, outlet=outlet))
    # the employer is found by typing (a picker, never a drop-down of every unit)
    assert employer.name not in clerk.get("/collective/").content.decode()
    page = clerk.get("/collective/", {"employer_q": employer.credit_code}).content.decode()
    assert f'name="employer" value="{employer.pk}"' in page
    clerk.post("/collective/open/", {"employer": employer.pk})
    collective = employer.collectives.get()
    assert (collective.channel, collective.taken_at_outlet) == ("collective_offline", outlet)

"""The pages and API of deaths and departures: the person's page offers the action only where
the service would take it, the page and its API twin call the same service with the same
answers, the list is scoped, masked and exported."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sscard.cards.tests.support import card, person
from sscard.core.clock import today
from sscard.core.models import Approval
from sscard.registry.models import Departure
from sscard.testing.exports import read_export
from sscard.testing.factories import CHAOYANG, AccountFactory

pytestmark = pytest.mark.django_db


def _body(**kwargs: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "death",
        "on": (today() - timedelta(days=2)).isoformat(),
        "reference": "SW-2024-1",
        "destination_city": "",
    }
    body.update(kwargs)
    return body


def test_the_person_page_offers_recording_and_the_page_records(city_officer, client_for):
    # given a person with a card in force
    holder = person(name="周长生")
    c = card(holder, ss_function="enabled")
    client = client_for(city_officer)
    # when the officer opens the person's page
    page = client.get(f"/persons/{holder.pk}/")
    # then the action is offered
    assert page.status_code == 200
    assert 'id="departure-record"' in page.content.decode()
    # when they record the death on its page
    form = client.get(f"/persons/{holder.pk}/departure/")
    assert form.status_code == 200
    assert "周长生" not in form.content.decode()
    done = client.post(f"/persons/{holder.pk}/departure/", _body(), follow=True)
    # then the card is cancelled, the page shows the person departed and no longer offers it
    assert done.status_code == 200
    c.refresh_from_db()
    assert c.ss_function == "cancelled"
    text = done.content.decode()
    assert 'id="person-departed"' in text
    assert 'id="departure-record"' not in text
    assert 'id="departure-reverse"' in text
    assert Departure.objects.get().source == "counter"


def test_a_refused_page_shows_the_message_and_writes_nothing(city_officer, client_for):
    holder = person()
    client = client_for(city_officer)
    future = (today() + timedelta(days=1)).isoformat()
    response = client.post(f"/persons/{holder.pk}/departure/", _body(on=future))
    assert response.status_code == 422
    assert "不能晚于今天" in response.content.decode()
    assert not Departure.objects.exists()


def test_the_action_is_not_offered_to_a_clerk(client_for):
    holder = person()
    clerk = AccountFactory.create(bank_clerk=True)
    assert client_for(clerk).get(f"/persons/{holder.pk}/departure/").status_code == 403


def test_the_api_twin_records_with_the_same_answers(city_officer, client_for):
    holder = person()
    c = card(holder, ss_function="enabled")
    client = client_for(city_officer)
    bad = client.post(
        f"/api/v1/persons/{holder.pk}/departure",
        _body(on="1900-01-01"),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "departure_date_before_birth"
    response = client.post(
        f"/api/v1/persons/{holder.pk}/departure", _body(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["cards_cancelled"], body["source"]) == ("death", 1, "api")
    assert "*" in body["masked_name"]
    assert "*" in body["masked_id_number"]
    c.refresh_from_db()
    assert c.ss_function == "cancelled"
    again = client.post(
        f"/api/v1/persons/{holder.pk}/departure", _body(), content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "departure_already_recorded"
    # the reversal is proposed through the API too, for another officer to approve
    proposed = client.post(
        f"/api/v1/persons/{holder.pk}/departure/reversal",
        {"reason": "登记错误", "evidence": ""},
        content_type="application/json",
    )
    assert proposed.status_code == 201
    assert Approval.objects.get(pk=proposed.json()["approval_id"]).kind == "departure_reversal"


def test_a_district_officer_reaches_only_their_district(district_officer, client_for):
    mine, theirs = person(), person(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    client = client_for(district_officer)
    refused = client.post(
        f"/api/v1/persons/{theirs.pk}/departure", _body(), content_type="application/json"
    )
    assert refused.status_code == 404
    ok = client.post(
        f"/api/v1/persons/{mine.pk}/departure", _body(), content_type="application/json"
    )
    assert ok.status_code == 201
    listed = client.get("/api/v1/departures").json()
    assert [row["person_id"] for row in listed["items"]] == [mine.pk]


def test_the_list_is_scoped_filtered_masked_and_exported(
    city_officer, client_for, django_assert_max_num_queries
):
    # given departures in Beijing and one in Shanghai
    for n in range(3):
        holder = person(name=f"吴{n}明")
        client_for(city_officer).post(
            f"/persons/{holder.pk}/departure/",
            _body(kind="emigration" if n else "death", reference=f"R-{n}"),
        )
    shanghai = AccountFactory.create(city_code="310000")
    assert client_for(shanghai).get("/api/v1/departures").json()["count"] == 0
    client = client_for(city_officer)
    # when the officer reads the list
    with django_assert_max_num_queries(12):
        page = client.get("/departures/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "吴0明" not in text
    assert "吴*" in text
    filtered = client.get("/api/v1/departures", {"kind": "emigration"}).json()
    assert filtered["count"] == 2
    exported = read_export(client.get("/departures/export.csv", {"kind": "death"}))
    assert len(exported.rows) == 1
    assert "吴0明" not in str(exported.rows)


def test_the_import_page_shows_what_a_civil_affairs_file_did(city_officer, client_for):
    holder = person(name="郑一")
    card(holder, ss_function="enabled")
    from sscard.testing.card_life import id_number_of

    data = (
        "id_number,name,kind,date,reference\n"
        f"{id_number_of(holder)},郑一,death,{today() - timedelta(days=1)},SW-9\n"
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(city_officer)
    response = client.post(
        "/api/v1/imports/departures",
        {"file": SimpleUploadedFile("civil.csv", data, content_type="text/csv")},
    )
    assert response.status_code in (201, 202), response.content
    job_id = response.json()["id"]
    summary = client.get(f"/api/v1/imports/{job_id}/departures").json()
    assert (summary["recorded"], summary["cards_cancelled"]) == (1, 1)
    page = client.get(f"/imports/{job_id}/").content.decode()
    assert 'id="import-departures"' in page


def test_the_person_list_filters_the_departed(city_officer, client_for):
    gone, here = person(), person()
    client = client_for(city_officer)
    client.post(f"/persons/{gone.pk}/departure/", _body())
    found = client.get("/api/v1/persons", {"status": "departed"}).json()
    assert [row["id"] for row in found["items"]] == [gone.pk]
    assert here.pk not in [row["id"] for row in found["items"]]


def test_a_relying_party_hears_cancelled_for_a_departed_holders_card(city_officer, client_for):
    from sscard.testing.api_client import ApiClient

    holder = person()
    c = card(holder, ss_function="enabled")
    party = ApiClient(AccountFactory.create(api_client=True))
    assert party.post("/cards/verify", {"card_number": c.card_number}).json()["status"] == "valid"
    client_for(city_officer).post(f"/persons/{holder.pk}/departure/", _body())
    answer = party.post("/cards/verify", {"card_number": c.card_number})
    assert (answer.status_code, answer.json()["status"]) == (200, "cancelled")


def test_a_reversal_proposed_on_its_page_is_approved_on_the_approvals_page(
    city_officer, district_officer, client_for
):
    # given a person recorded dead by the city officer
    holder = person(name="冯立")
    client = client_for(city_officer)
    client.post(f"/persons/{holder.pk}/departure/", _body())
    # when the officer proposes the reversal on its page
    proposed = client.post(
        f"/persons/{holder.pk}/departure/reversal/", {"reason": "死亡证明登记错误"}
    )
    assert proposed.status_code == 302
    approval = Approval.objects.get(kind="departure_reversal")
    # then the person is still departed, and another officer sees it named, masked
    holder.refresh_from_db()
    assert holder.departed_on is not None
    assert 'id="departure-reverse"' not in client.get(f"/persons/{holder.pk}/").content.decode()
    checker = client_for(district_officer)
    page = checker.get(f"/approvals/{approval.pk}/").content.decode()
    assert "冯*" in page
    assert "冯立" not in page
    # when they approve it, the person is present again
    checker.post(f"/approvals/{approval.pk}/", {"action": "approve", "note": ""})
    holder.refresh_from_db()
    assert holder.departed_on is None
    assert 'id="departure-record"' in client.get(f"/persons/{holder.pk}/").content.decode()


def test_a_reversal_without_a_reason_is_refused_on_its_page(city_officer, client_for):
    holder = person()
    client = client_for(city_officer)
    client.post(f"/persons/{holder.pk}/departure/", _body())
    refused = client.post(f"/persons/{holder.pk}/departure/reversal/", {"reason": ""})
    assert refused.status_code == 422
    assert not Approval.objects.exists()

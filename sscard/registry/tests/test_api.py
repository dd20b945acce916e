"""The registry's API operations: scope, masking, lookups in the body, query counts."""

from __future__ import annotations

import pytest

from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = pytest.mark.django_db


def test_persons_list_is_paginated_masked_and_bounded_in_queries(
    city_officer, client_for, django_assert_max_num_queries
):
    # given sixty persons with known ID numbers
    numbers = [make_id_number(1000 + i) for i in range(60)]
    employer = EmployerFactory.create()
    for number in numbers:
        PersonFactory.create(id_number=number, employer=employer)
    client = client_for(city_officer)
    # when the officer reads the first page
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/persons")
    # then fifty come back, masked, with the total count
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 60
    assert len(body["items"]) == 50
    first = body["items"][0]
    assert first["id_number"] == numbers[0][0] + "*" * 16 + numbers[0][-1]
    assert first["employer_name"] == employer.name
    assert "*" in first["name"]
    text = response.content.decode()
    assert not any(number in text for number in numbers)
    # and the second page holds the rest
    assert len(client.get("/api/v1/persons?page=2").json()["items"]) == 10


def test_persons_list_filters_by_category_and_district(city_officer, client_for):
    PersonFactory.create(category="retiree", insured_region=XICHENG, hukou_region=XICHENG)
    wanted = PersonFactory.create(
        category="retiree", insured_region=CHAOYANG, hukou_region=CHAOYANG
    )
    PersonFactory.create(
        category="in_service_staff", insured_region=CHAOYANG, hukou_region=CHAOYANG
    )
    response = client_for(city_officer).get(
        "/api/v1/persons", {"category": "retiree", "district": CHAOYANG}
    )
    assert [p["id"] for p in response.json()["items"]] == [wanted.pk]


def test_an_unknown_category_is_invalid_input(city_officer, client_for):
    response = client_for(city_officer).get("/api/v1/persons", {"category": "astronaut"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input"
    assert any("category" in f["field"] for f in body["details"]["fields"])


def test_employer_hr_cannot_reach_another_employers_staff_by_api(employer_hr, client_for):
    # given one staff member of the HR's employer and one of another employer
    mine = PersonFactory.create(employer=employer_hr.employer)
    other_employer = EmployerFactory.create()
    theirs = PersonFactory.create(employer=other_employer)
    client = client_for(employer_hr)
    # then the list holds only their own staff
    listed = client.get("/api/v1/persons").json()
    assert [p["id"] for p in listed["items"]] == [mine.pk]
    # and everything about the other employer answers 404 not_found, like a missing id
    for url in (
        f"/api/v1/persons/{theirs.pk}",
        f"/api/v1/employers/{other_employer.pk}",
        f"/api/v1/employers/{other_employer.pk}/staff",
        "/api/v1/persons/999999",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found"
    assert [e["id"] for e in client.get("/api/v1/employers").json()["items"]] == [
        employer_hr.employer_id
    ]
    staff = client.get(f"/api/v1/employers/{employer_hr.employer_id}/staff").json()
    assert [p["id"] for p in staff["items"]] == [mine.pk]


def test_hr_detail_of_own_staff_is_masked(employer_hr, client_for):
    number = make_id_number(31)
    person = PersonFactory.create(
        id_number=number, employer=employer_hr.employer, phone="13912345678"
    )
    response = client_for(employer_hr).get(f"/api/v1/persons/{person.pk}")
    body = response.json()
    assert body["identifiers_full"] is False
    assert body["id_number"] == person.id_number_masked
    assert body["phone"] == "*******5678"
    assert number not in response.content.decode()
    assert "13912345678" not in response.content.decode()


def test_district_officer_lists_only_their_district(district_officer, client_for):
    mine = PersonFactory.create(insured_region=XICHENG, hukou_region=CHAOYANG)
    other = PersonFactory.create(insured_region=CHAOYANG, hukou_region=CHAOYANG)
    client = client_for(district_officer)
    assert [p["id"] for p in client.get("/api/v1/persons").json()["items"]] == [mine.pk]
    assert client.get(f"/api/v1/persons/{other.pk}").status_code == 404


def test_cardholder_reads_only_themself_in_full(cardholder, client_for):
    other = PersonFactory.create()
    client = client_for(cardholder)
    own = client.get(f"/api/v1/persons/{cardholder.person_id}")
    assert own.status_code == 200
    assert own.json()["identifiers_full"] is True
    assert own.json()["name"] == cardholder.person.name
    assert client.get(f"/api/v1/persons/{other.pk}").status_code == 404
    listed = client.get("/api/v1/persons")
    assert listed.status_code == 403
    assert listed.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["bank_clerk", "community_clerk"])
def test_clerks_cannot_list_but_look_up_one_person_by_body(role, client_for):
    number = make_id_number(808, region=CHAOYANG)
    person = PersonFactory.create(id_number=number, phone="13800001111")
    client = client_for(AccountFactory.of_role(role))
    # clerks have no lists
    assert client.get("/api/v1/persons").status_code == 403
    assert client.get("/api/v1/employers").status_code == 403
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 404
    # but find one person by the number in the body, with identifiers in full
    response = client.post(
        "/api/v1/persons/lookup", {"id_number": number}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == person.pk
    assert body["identifiers_full"] is True
    assert body["id_number"] == number
    assert body["phone"] == "13800001111"


def test_lookup_of_a_malformed_number_answers_the_kernels_code(bank_clerk, client_for):
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", {"id_number": "12345"}, content_type="application/json"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "id_length"
    assert body["message_zh"]
    assert body["message_en"]


def test_lookup_without_the_number_is_invalid_input(bank_clerk, client_for):
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", {}, content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


@pytest.mark.parametrize("role", ["production_operator", "relying_party"])
def test_roles_without_person_data_get_nothing(role, client_for):
    person = PersonFactory.create()
    client = client_for(AccountFactory.of_role(role))
    assert client.get("/api/v1/persons").status_code == 403
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 404
    lookup = client.post(
        "/api/v1/persons/lookup",
        {"id_number": make_id_number(1)},
        content_type="application/json",
    )
    assert lookup.status_code == 403


def test_employer_lists_are_bounded_in_queries(
    city_officer, client_for, django_assert_max_num_queries
):
    employer = EmployerFactory.create()
    EmployerFactory.create_batch(30)
    PersonFactory.create_batch(20, employer=employer)
    client = client_for(city_officer)
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/employers").json()["count"] == 31
    with django_assert_max_num_queries(6):
        staff = client.get(f"/api/v1/employers/{employer.pk}/staff").json()
    assert staff["count"] == 20


def test_anonymous_callers_are_refused(client):
    PersonFactory.create()
    response = client.get("/api/v1/persons")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_required"

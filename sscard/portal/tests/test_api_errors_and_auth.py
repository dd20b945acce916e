"""The API's one error shape, its authentication (bearer token or session + CSRF), health."""

from __future__ import annotations

import pytest
from django.test import Client

from config import api as api_module
from sscard.portal.services import api_token_create, api_token_revoke
from sscard.testing.factories import PersonFactory, make_id_number

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message_zh", "message_en", "details"}


def test_health_checks_the_database_with_one_query(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["version"]


def test_openapi_document_and_docs_are_served(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/v1/persons",
        "/api/v1/persons/{person_id}",
        "/api/v1/persons/lookup",
        "/api/v1/employers/{employer_id}/staff",
        "/api/v1/imports/{kind}",
        "/api/v1/imports/{job_id}/report",
    ):
        assert path in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_no_operation_takes_an_id_number_in_its_url(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path, operations in paths.items():
        assert "id_number" not in path
        for operation in operations.values():
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "id_number" not in names, path


def test_unauthenticated_is_401_in_the_standard_shape(client):
    response = client.get("/api/v1/persons")
    assert response.status_code == 401
    assert set(response.json()) == ERROR_KEYS
    assert response.json()["code"] == "authentication_required"


def test_unknown_api_path_is_404_json(client):
    response = client.get("/api/v1/no/such/thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == ERROR_KEYS


def test_wrong_method_is_405_json(city_officer, client_for):
    response = client_for(city_officer).delete("/api/v1/persons")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed"
    assert "GET" in body["details"]["allowed"]
    assert "GET" in response["Allow"]


def test_bad_path_parameter_is_422_invalid_input(city_officer, client_for):
    response = client_for(city_officer).post("/api/v1/imports/passports")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"


def test_an_unexpected_exception_is_500_without_traceback(city_officer, client_for, monkeypatch):
    def explode(**kwargs: object) -> None:
        raise RuntimeError("secret internals 11010519491231002X")

    monkeypatch.setattr("sscard.registry.api.person_list", explode)
    client = client_for(city_officer)
    client.raise_request_exception = False
    response = client.get("/api/v1/persons")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_error"
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_bearer_token_authenticates_as_its_account(employer_hr, client):
    token, plaintext = api_token_create(
        actor=employer_hr.actor(), account=employer_hr, name="HR system"
    )
    assert token.prefix == plaintext[:8]
    assert bytes(token.digest) != plaintext.encode()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert response.status_code == 200
    assert response.json()["role"] == "employer_hr"
    assert response.json()["employer_id"] == employer_hr.employer_id


def test_bearer_token_needs_no_csrf_for_a_post(bank_clerk):
    number = make_id_number(5)
    PersonFactory.create(id_number=number)
    _, plaintext = api_token_create(actor=bank_clerk.actor(), account=bank_clerk, name="teller")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/persons/lookup",
        {"id_number": number},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plaintext}",
    )
    assert response.status_code == 200


def test_revoked_or_unknown_token_is_401(city_officer, client):
    token, plaintext = api_token_create(actor=city_officer.actor(), account=city_officer, name="x")
    api_token_revoke(actor=city_officer.actor(), token_id=token.pk)
    for credential in (plaintext, "sst_not-a-real-token", "garbage"):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {credential}")
        assert response.status_code == 401
        assert response.json()["code"] == "authentication_required"


def test_session_post_without_csrf_token_is_refused(bank_clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bank_clerk.user)
    response = client.post(
        "/api/v1/persons/lookup",
        {"id_number": make_id_number(5)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_session_post_with_csrf_token_passes(bank_clerk):
    number = make_id_number(6)
    PersonFactory.create(id_number=number)
    client = Client(enforce_csrf_checks=True)
    client.force_login(bank_clerk.user)
    client.get("/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/persons/lookup",
        {"id_number": number},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200


def test_a_user_without_an_account_is_not_an_api_caller(client, django_user_model):
    user = django_user_model.objects.create_user("nobody", password="x-very-long-pass")
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 401


def test_the_error_body_covers_every_status_it_names():
    for status in (400, 401, 403, 404, 405, 413, 429, 500):
        body = api_module.error_body(status)
        assert set(body) == ERROR_KEYS
        assert body["message_zh"]
        assert body["message_en"]

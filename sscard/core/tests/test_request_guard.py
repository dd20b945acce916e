"""A request no view can take is refused with a code, on the API and on pages (issue 10, point 5):
a NUL character anywhere a value is read (400 ``nul_character``; PostgreSQL cannot store one and
its driver refuses to send one) and a body over the limit (413 ``payload_too_large``, or
``file_too_large`` past the upload limit)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sscard.testing.factories import TEST_PASSWORD, AccountFactory

pytestmark = pytest.mark.django_db


def _code(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons?name=%E5%BC%A0%00",
        "/api/v1/persons?%00=1",
        "/api/v1/collectives/1/roster/report/errors%00.csv",
        "/api/v1/cards/challenges/%00",
    ],
    ids=["query value", "query name", "path", "path parameter"],
)
def test_a_nul_in_the_path_or_query_is_400_nul_character(city_officer, client_for, path):
    # given a signed-in officer; when a request carries a NUL in its address
    response = client_for(city_officer).get(path)
    # then it is refused before any query, with the code
    assert _code(response) == (400, "nul_character")


def test_a_nul_in_a_json_string_is_400_nul_character(bank_clerk, client_for):
    body = json.dumps({"id_number": "11010219900101\u00001234"})
    assert "\\u0000" in body
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", body, content_type="application/json"
    )
    assert _code(response) == (400, "nul_character")


def test_a_raw_nul_byte_in_a_json_body_is_400_nul_character(bank_clerk, client_for):
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", b'{"id_number": "1\x00"}', content_type="application/json"
    )
    assert _code(response) == (400, "nul_character")


def test_an_escaped_backslash_before_u0000_is_not_a_nul(bank_clerk, client_for):
    # given the JSON text "\\u0000": a backslash and five characters, no NUL at all
    body = json.dumps({"id_number": "\\u0000"})
    # when it is sent
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", body, content_type="application/json"
    )
    # then the guard lets it through and the operation judges it
    assert response.json()["code"] != "nul_character"


def test_a_nul_in_a_form_field_or_file_name_is_400_nul_character(city_officer, client_for):
    client = client_for(city_officer)
    field = client.post("/api/v1/imports/persons", {"note": "a\x00b"})
    upload = SimpleUploadedFile("persons\x00.csv", b"id_number\n", content_type="text/csv")
    named = client.post("/api/v1/imports/persons", {"file": upload})
    assert _code(field) == (400, "nul_character")
    assert named.status_code == 400


def test_a_binary_file_may_hold_nul_bytes(city_officer, client_for):
    # given a file whose contents hold NUL bytes (a photo, a spreadsheet)
    upload = SimpleUploadedFile("persons.csv", b"\x00\x01\x02", content_type="text/csv")
    # when it is uploaded, then the guard does not look inside it
    response = client_for(city_officer).post("/api/v1/imports/persons", {"file": upload})
    assert response.json()["code"] != "nul_character"


def test_a_nul_on_a_page_is_the_error_page_with_status_400(city_officer, client_for):
    response = client_for(city_officer).get("/outlets/", {"kind": "bank\x00branch"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_in_a_sign_in_form_is_400_not_a_server_error():
    response = Client().post("/login/", {"username": "a\x00", "password": "b"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_json_body_over_the_memory_limit_is_413_payload_too_large(
    bank_clerk, client_for, settings
):
    # given a limit of 1 KiB for a body held in memory
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"id_number": "1" * 2000})
    # when a larger body is sent
    response = client_for(bank_clerk).post(
        "/api/v1/persons/lookup", body, content_type="application/json"
    )
    # then it is 413 with the code and the limit, not a server error
    assert _code(response) == (413, "payload_too_large")
    assert response.json()["details"] == {"limit_bytes": 1024}


def test_a_body_over_the_upload_limit_is_413_before_it_is_read(city_officer, client_for, settings):
    settings.SSCARD_MAX_UPLOAD_BYTES = 2048
    upload = SimpleUploadedFile("persons.csv", b"x" * 4096, content_type="text/csv")
    response = client_for(city_officer).post("/api/v1/imports/persons", {"file": upload})
    assert _code(response) == (413, "file_too_large")
    assert response.json()["details"] == {"limit_bytes": 2048}


def test_a_form_over_the_memory_limit_on_a_page_is_413(settings):
    # given a limit of 1 KiB and an account that could sign in
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    account = AccountFactory.create()
    # when the sign-in form is sent with a larger body
    response = Client().post(
        "/login/", {"username": account.user.username, "password": TEST_PASSWORD, "x": "y" * 2000}
    )
    # then the page says the request is too large, with status 413
    assert response.status_code == 413
    assert "请求内容过大" in response.content.decode()


def test_too_many_form_fields_is_400_too_many_fields(city_officer, client_for, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"f{n}": "1" for n in range(10)}
    response = client_for(city_officer).post("/api/v1/imports/persons", fields)
    assert _code(response) == (400, "too_many_fields")


def test_a_broken_multipart_body_is_400_malformed_body(city_officer, client_for):
    response = client_for(city_officer).post(
        "/api/v1/imports/persons",
        b"--x\r\nContent-Disposition: form-data\r\n\r\nbroken",
        content_type="multipart/form-data",  # no boundary
    )
    assert _code(response) == (400, "malformed_body")


def test_a_post_to_an_unknown_api_path_is_404_json_not_a_csrf_page(city_officer, client_for):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city_officer.user)
    response = client.post("/api/v1/cards/null/hand-over", {})
    assert _code(response) == (404, "not_found")

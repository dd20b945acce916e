"""Out-of-range page numbers are never a server error (issue 10, point 5): on the API a page past
the end is an empty page and a page that is no page (0, -1, abc, 10²⁵) is 422 ``invalid_input``;
on pages any of them shows a page of the list."""

from __future__ import annotations

import pytest

from sscard.core.pagination import MAX_PAGE
from sscard.testing.factories import OutletFactory

pytestmark = pytest.mark.django_db

HUGE = str(10**25)  # past PostgreSQL's bigint as an OFFSET: it was a 500 there


def test_a_page_past_the_end_is_an_empty_page(city_officer, client_for):
    OutletFactory.create()
    response = client_for(city_officer).get("/api/v1/outlets", {"page": 999_999})
    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["count"] == 1


def test_the_last_allowed_page_is_an_empty_page(city_officer, client_for):
    response = client_for(city_officer).get("/api/v1/outlets", {"page": MAX_PAGE})
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("page", ["0", "-1", "abc", HUGE, str(MAX_PAGE + 1)])
@pytest.mark.parametrize("path", ["/api/v1/outlets", "/api/v1/outbox", "/api/v1/schools"])
def test_a_page_that_is_no_page_is_422_invalid_input(city_officer, client_for, path, page):
    response = client_for(city_officer).get(path, {"page": page})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


def test_a_huge_page_size_is_422_invalid_input(city_officer, client_for):
    response = client_for(city_officer).get("/api/v1/outlets", {"page": 2, "page_size": HUGE})
    assert (response.status_code, response.json()["code"]) == (422, "invalid_input")


@pytest.mark.parametrize("page", ["999999", "-1", "0", "abc", HUGE])
@pytest.mark.parametrize("path", ["/outlets/", "/outbox/", "/imports/"])
def test_a_page_of_a_list_page_never_fails(city_officer, client_for, path, page):
    OutletFactory.create()
    response = client_for(city_officer).get(path, {"page": page})
    assert response.status_code == 200

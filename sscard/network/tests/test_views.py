"""Network pages: the outlet list."""

from __future__ import annotations

import pytest

from sscard.testing.factories import DivisionFactory, OutletFactory

pytestmark = pytest.mark.django_db


def test_outlet_list_marks_the_clerks_own_outlet(
    bank_clerk, client_for, django_assert_max_num_queries
):
    DivisionFactory.create()
    OutletFactory.create_batch(10)
    client = client_for(bank_clerk)
    with django_assert_max_num_queries(8):
        response = client.get("/outlets/")
    page = response.content.decode()
    assert response.status_code == 200
    assert bank_clerk.outlet.name in page
    assert "本网点" in page
    assert "西城区" in page


def test_outlet_list_filters_by_kind_with_htmx(cardholder, client_for):
    branch = OutletFactory.create()
    centre = OutletFactory.create(community_centre=True)
    response = client_for(cardholder).get(
        "/outlets/", {"kind": "community_centre"}, HTTP_HX_REQUEST="true"
    )
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert centre.name in fragment
    assert branch.name not in fragment

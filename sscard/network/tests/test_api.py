"""Network API: banks and outlets, paginated, bounded in queries."""

from __future__ import annotations

import pytest

from sscard.testing.factories import BankFactory, OutletFactory

pytestmark = pytest.mark.django_db


def test_outlets_are_listed_with_their_bank(bank_clerk, client_for, django_assert_max_num_queries):
    OutletFactory.create_batch(20)
    OutletFactory.create(community_centre=True)
    client = client_for(bank_clerk)
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/outlets").json()
    assert body["count"] == 22  # the clerk's own outlet too
    assert body["items"][0]["bank_code"] == "ICBC"
    centres = client.get("/api/v1/outlets", {"kind": "community_centre"}).json()
    assert centres["count"] == 1
    assert centres["items"][0]["bank_code"] is None


def test_one_outlet_and_a_missing_one(cardholder, client_for):
    outlet = OutletFactory.create()
    client = client_for(cardholder)
    assert client.get(f"/api/v1/outlets/{outlet.pk}").json()["code"] == outlet.code
    missing = client.get("/api/v1/outlets/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_banks_are_listed(city_officer, client_for):
    BankFactory.create(code="BOC", name_zh="中国银行", name_en="Bank of China")
    BankFactory.create()
    codes = [b["code"] for b in client_for(city_officer).get("/api/v1/banks").json()]
    assert codes == ["BOC", "ICBC"]


def test_outlets_need_a_caller(client):
    assert client.get("/api/v1/outlets").status_code == 401

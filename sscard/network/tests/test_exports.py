"""The outlets list as a spreadsheet, with the page's filter and its header rows."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import in_force
from sscard.network.models import Outlet
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import CHAOYANG, DivisionFactory, OutletFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_outlets_export_with_the_filter_names_and_codes(fmt, cardholder, client_for):
    campaign = in_force("beijing-2024")
    DivisionFactory.create()
    OutletFactory.create(instant_issuance=True, address="西城区金融街1号")
    OutletFactory.create(community_centre=True)
    OutletFactory.create(district=CHAOYANG)
    export = read_export(
        client_for(cardholder).get(
            f"/outlets/export.{fmt}", {"kind": "bank_branch", "district": "110102"}
        )
    )
    assert_header_rows(export, title="服务网点", filters=["类型：", "区：西城区"], pack=campaign)
    expected = Outlet.objects.get(kind="bank_branch", district="110102")
    assert export.rows == [
        [
            expected.name,
            expected.code,
            expected.get_kind_display(),
            "bank_branch",
            "中国工商银行",
            "ICBC",
            "西城区",
            "110102",
            "是",
            "西城区金融街1号",
        ]
    ]


def test_the_outlets_page_offers_both_formats_with_its_filter(cardholder, client_for):
    page = client_for(cardholder).get("/outlets/", {"kind": "bank_branch"}).content.decode()
    assert 'href="/outlets/export.xlsx?kind=bank_branch"' in page
    assert 'href="/outlets/export.csv?kind=bank_branch"' in page

"""The schools list as a spreadsheet, with its district filter and notices."""

from __future__ import annotations

from datetime import date

import pytest

from sscard.applications.tests.support import in_force
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import CHAOYANG, DivisionFactory, SchoolFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_schools_export_with_their_district_and_notice(fmt, city_officer, client_for):
    campaign = in_force("shanghai-2019")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    school = SchoolFactory.create(notified_on=date(2019, 4, 8))
    SchoolFactory.create(district=CHAOYANG)
    export = read_export(
        client_for(city_officer).get(f"/campaigns/schools/export.{fmt}", {"district": "110102"})
    )
    # the officer's city is Beijing: Shanghai's pack is not the one in force there
    assert campaign.city_code != city_officer.city_code
    assert_header_rows(export, title="学校及其通知", filters=["西城区"])
    (row,) = export.rows
    notified = row[6] if fmt == "csv" else row[6].date().isoformat()
    assert row[:6] == [
        school.name,
        school.code,
        "西城区",
        "110102",
        school.get_kind_display(),
        school.kind,
    ]
    assert notified == "2019-04-08"

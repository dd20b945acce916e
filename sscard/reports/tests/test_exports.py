"""The overdue report as a spreadsheet: every bar of the page, under its table, on the day
asked, with the name beside the code."""

from __future__ import annotations

import pytest

from sscard.applications.tests.support import in_force
from sscard.core.clock import today
from sscard.delivery.tests.page_support import overdue_unit
from sscard.network.models import Bank
from sscard.reports.selectors import overdue_by
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import DivisionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_overdue_report_exports_its_tables(fmt, city_officer, client_for):
    campaign = in_force("beijing-2024")
    DivisionFactory.create()
    overdue_unit(3, bank_code="ICBC", name="工商银行西城支行")
    overdue_unit(1, bank_code="CCB", name="建设银行西城支行")
    export = read_export(client_for(city_officer).get(f"/reports/overdue/export.{fmt}"))
    assert_header_rows(
        export, title="超期卡片与积压", filters=[f"统计日期：{today().isoformat()}"], pack=campaign
    )
    by_bank = [r for r in export.rows if r[0] == "按银行"]
    # against the selector read on its own: ICBC 3, CCB 1, named
    found = overdue_by(actor=city_officer.actor(), today=today(), by="bank")
    expected = {r.key: r.count for r in found}
    assert {r[2]: int(r[3]) for r in by_bank} == expected == {"ICBC": 3, "CCB": 1}
    # the name as the network's bank table has it (the test's banks are named by their code)
    assert {r[2]: r[1] for r in by_bank}["ICBC"] == Bank.objects.get(code="ICBC").name_zh
    outlets = {r[1] for r in export.rows if r[0] == "按网点"}
    assert {"工商银行西城支行", "建设银行西城支行"} <= outlets
    districts = [[r[1], r[2], int(r[3])] for r in export.rows if r[0] == "按区"]
    assert districts == [["西城区", "110102", 4]]


def test_an_earlier_day_is_the_filter_and_has_nothing_overdue(city_officer, client_for):
    campaign = in_force("beijing-2024")
    overdue_unit(1)
    export = read_export(
        client_for(city_officer).get("/reports/overdue/export.csv", {"on": "2024-03-05"})
    )
    assert_header_rows(
        export, title="超期卡片与积压", filters=["统计日期：2024-03-05"], pack=campaign
    )
    assert not [r for r in export.rows if r[0] in ("按银行", "按网点", "按区")]

"""The campaign's statistics through the API and as XLSX/CSV exports (issue 13): the same numbers
as the selector, the same scopes and refusals, names beside codes, the header rows of every
export."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction

from sscard.applications.tests.support import in_force
from sscard.core.milestones import milestone_record
from sscard.portal.models import Account
from sscard.reports.statistics import (
    APPLIED_NET,
    KINDS,
    StatScope,
    figures_on,
    funnel,
    scope_for,
    series,
)
from sscard.testing.api_client import ApiClient
from sscard.testing.exports import assert_header_rows, read_export
from sscard.testing.factories import SHIJINGSHAN, XICHENG, AccountFactory, EmployerFactory

pytestmark = pytest.mark.django_db
D0 = date(2024, 3, 4)


def history() -> None:
    """A hand-built history of milestones in two districts over a week."""
    employer = EmployerFactory.create()
    rows: list[tuple[str, int, int, str, str]] = [
        # kind, person, day offset, district, channel
        ("eligible", 1, 0, XICHENG, ""),
        ("eligible", 2, 0, XICHENG, ""),
        ("eligible", 3, 0, SHIJINGSHAN, ""),
        ("invited", 1, 0, XICHENG, "collective_online"),
        ("applied", 1, 1, XICHENG, "collective_online"),
        ("applied", 2, 1, XICHENG, "bank_outlet"),
        ("applied", 3, 2, SHIJINGSHAN, "online"),
        ("withdrawn", 3, 3, SHIJINGSHAN, "online"),
        ("ordered", 1, 3, XICHENG, "collective_online"),
        ("made", 1, 4, XICHENG, "collective_online"),
        ("issued", 1, 8, XICHENG, "collective_online"),
        ("enabled", 1, 8, XICHENG, "collective_online"),
    ]
    with transaction.atomic():
        for kind, person, offset, district, channel in rows:
            milestone_record(
                kind,
                day=D0 + timedelta(days=offset),
                city_code="110000",
                district_code=district,
                channel=channel,
                group="pilot_staff" if channel.startswith("collective") else "beijing_persons",
                bank_code="ICBC",
                employer_id=employer.pk if person == 1 else None,
                person_id=person,
                campaign_id=1 if kind in ("eligible", "invited") else None,
            )


def test_the_api_answers_what_the_selectors_answer(city_officer: Account) -> None:
    in_force("beijing-2024")
    history()
    actor, api = city_officer.actor(), ApiClient(city_officer)
    day = D0 + timedelta(days=4)
    # the figures of a day
    found = api.get("/reports/statistics", day=day.isoformat())
    assert found.status_code == 200
    body = found.json()
    figures = figures_on(actor=actor, day=day, scope=StatScope())
    assert body["cumulative"] == figures.cumulative
    assert body["on_day"] == figures.on_day
    assert body["cumulative"]["applied"] == 3
    assert body["cumulative"][APPLIED_NET] == 2
    assert [
        (b["dimension"], [(r["code"], r["name"], r["count"]) for r in b["rows"]])
        for b in body["applications_by"]
    ] == [(b.dimension, b.rows) for b in figures.applications_by]
    channels = {r["code"]: r["count"] for r in body["applications_by"][0]["rows"]}
    assert channels == {"employer_batch": 1, "bank_outlet": 1, "online": 1}
    # a district, by its code
    narrowed = api.get("/reports/statistics", day=day.isoformat(), district=SHIJINGSHAN).json()
    assert narrowed["cumulative"]["applied"] == 1
    assert narrowed["scope"]["district_code"] == SHIJINGSHAN
    # the series, daily and weekly, and narrowed to kinds
    for step in ("day", "week"):
        points = api.get(
            "/reports/statistics/series",
            starts=D0.isoformat(),
            ends=(D0 + timedelta(days=9)).isoformat(),
            step=step,
        ).json()
        expected = series(
            actor=actor,
            starts=D0,
            ends=D0 + timedelta(days=9),
            step=step,
            scope=StatScope(),
        )
        assert points == [
            {**asdict(p), "starts": p.starts.isoformat(), "ends": p.ends.isoformat()}
            for p in expected
        ]
    only = api.get(
        "/reports/statistics/series",
        starts=D0.isoformat(),
        ends=day.isoformat(),
        kinds=["applied", "made"],
    ).json()
    assert [p["totals"] for p in only][-1] == {"applied": 3, "made": 1}
    # the funnel
    steps = api.get("/reports/funnel", day=(D0 + timedelta(days=9)).isoformat()).json()
    assert steps == [
        asdict(s) for s in funnel(actor=actor, day=D0 + timedelta(days=9), scope=StatScope())
    ]
    assert [s["count"] for s in steps] == [3, 1, 3, 1, 1, 1, 0]


def test_the_api_refuses_what_the_selectors_refuse() -> None:
    history()
    officer = AccountFactory.create(district_officer=True)
    clerk = AccountFactory.create(bank_clerk=True)
    answers: list[tuple[Any, int, str]] = [
        (ApiClient(officer).get("/reports/statistics", district=SHIJINGSHAN), 403,
         "statistics_district_not_yours"),
        (ApiClient(officer).get("/reports/funnel", district="31010"), 422,
         "statistics_district_invalid"),
        (ApiClient(clerk).get("/reports/statistics"), 403, "permission_denied"),
        (ApiClient(clerk).get("/reports/funnel"), 403, "permission_denied"),
        (ApiClient(officer).get("/reports/statistics/series", starts="2024-03-05",
                                ends="2024-03-04"), 422, "statistics_period_invalid"),
    ]  # fmt: skip
    for response, status, code in answers:
        assert (response.status_code, response.json()["code"]) == (status, code)
    # the district officer's own figures are their district's
    mine = ApiClient(officer).get("/reports/statistics", day="2024-03-10").json()
    assert mine["scope"]["district_code"] == XICHENG
    assert mine["cumulative"]["applied"] == 2


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_exports_carry_the_selectors_numbers(
    fmt: str, city_officer: Account, client_for: Any
) -> None:
    campaign = in_force("beijing-2024")
    history()
    actor, client = city_officer.actor(), client_for(city_officer)
    day = D0 + timedelta(days=4)
    # the figures of a day, narrowed to a district
    export = read_export(
        client.get(
            f"/reports/statistics/export.{fmt}", {"day": day.isoformat(), "district": XICHENG}
        )
    )
    assert_header_rows(
        export, title="换卡统计", filters=[f"统计日期：{day.isoformat()}", "西城区"], pack=campaign
    )
    figures = figures_on(actor=actor, day=day, scope=scope_for(actor, district_code=XICHENG))
    numbers = {r[2]: [int(n) for n in r[3:]] for r in export.rows[: len(KINDS) + 1]}
    expected = {k: [figures.cumulative[k], figures.on_day[k]] for k in KINDS}
    assert numbers == {**expected, APPLIED_NET: [figures.cumulative[APPLIED_NET]]}
    assert numbers["applied"] == [2, 0]
    by_channel = {r[2]: (r[1], int(r[3])) for r in export.rows if r[0] == "按办理渠道统计的申领"}
    assert by_channel == {"employer_batch": ("单位批量申领", 1), "bank_outlet": ("合作银行网点", 1)}
    # the weekly series
    export = read_export(
        client.get(
            f"/reports/statistics/series/export.{fmt}",
            {
                "starts": D0.isoformat(),
                "ends": (D0 + timedelta(days=9)).isoformat(),
                "step": "week",
            },
        )
    )
    points = series(
        actor=actor, starts=D0, ends=D0 + timedelta(days=9), step="week", scope=StatScope()
    )
    assert [(str(r[0])[:10], r[3], int(r[4]), int(r[5])) for r in export.rows] == [
        (p.starts.isoformat(), k, p.counts[k], p.totals[k]) for p in points for k in KINDS
    ]
    # the funnel
    export = read_export(client.get(f"/reports/funnel/export.{fmt}", {"day": "2024-03-13"}))
    steps = funnel(actor=actor, day=date(2024, 3, 13), scope=StatScope())
    assert [(r[1], int(r[2])) for r in export.rows] == [(s.kind, s.count) for s in steps]
    assert export.rows[1][0] == "已通知或邀请"
    assert float(export.rows[1][3]) == pytest.approx(33.3)  # 1 of 3


def test_an_export_refuses_another_district_and_a_bad_query(client_for: Any) -> None:
    history()
    officer = AccountFactory.create(district_officer=True)
    client = client_for(officer)
    refused = client.get("/reports/statistics/export.csv", {"district": SHIJINGSHAN})
    assert refused.status_code == 403
    assert "statistics_district_not_yours" in refused.content.decode()
    bad = client.get("/reports/funnel/export.csv", {"day": "yesterday"})
    assert bad.status_code == 422
    assert "statistics_query_invalid" in bad.content.decode()
    clerk = client_for(AccountFactory.create(bank_clerk=True))
    assert clerk.get("/reports/funnel/export.csv").status_code == 403

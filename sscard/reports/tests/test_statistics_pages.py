"""The statistics and funnel pages (issue 13, points 1–3): each reader's figures equal a count
of the source tables made here, every chart has its table in the HTML (so the page reads
without JavaScript), scopes are held, and each language's chart JSON speaks only that language.

The history is built through the services: individual applications at a Chaoyang bank outlet
today, a Xicheng employer's collective applications on the pilot's first day, all the cards
made, two of Chaoyang's handed over and one of them enabled.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from sscard.applications.models import Application
from sscard.applications.tests.support import BJ_PILOT_DAY
from sscard.cards.models import Card
from sscard.delivery.tests.page_support import today
from sscard.portal.models import Account
from sscard.reports.statistics import kind_label
from sscard.reports.tests.support import History, statistics_history
from sscard.testing.factories import (
    CHAOYANG,
    XICHENG,
    AccountFactory,
    EmployerFactory,
)
from sscard.testing.fixtures import ClientFor

pytestmark = pytest.mark.django_db
STATISTICS = "/reports/statistics/"
FUNNEL = "/reports/funnel/"
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def history() -> History:
    return statistics_history()


def _page(client: Client, path: str, language: str = "zh-hans", **params: Any) -> str:
    client.cookies["django_language"] = language
    answer = client.get(path, params)
    assert answer.status_code == 200, answer.content.decode()[:2000]
    return answer.content.decode()


def _figures(body: str) -> dict[str, tuple[int, int]]:
    """The large numbers: kind -> (up to the day, on the day)."""
    found = re.findall(
        r'data-kind="(\w+)">.*?<b data-cumulative>(\d+)</b>.*?<span data-on-day>(-?\d+)</span>',
        body,
        re.S,
    )
    return {kind: (int(total), int(day)) for kind, total, day in found}


def _charts(body: str) -> dict[str, dict[str, Any]]:
    """Every chart's JSON, by its box's id."""
    blocks = re.findall(r'<script id="([\w-]+)-data" type="application/json">(.*?)</script>', body)
    return {chart_id: json.loads(text) for chart_id, text in blocks}


def _table(body: str, chart_id: str) -> dict[str, list[str]]:
    """The table of one chart: its rows' heads and their cells (its foot's totals left out)."""
    figure = re.search(rf'<figure class="chart[^"]*" id="{chart_id}">(.*?)</figure>', body, re.S)
    assert figure is not None, chart_id
    assert "<caption>" in figure.group(1)
    assert '<th scope="col">' in figure.group(1)
    tbody = re.search(r"<tbody>(.*?)</tbody>", figure.group(1), re.S)
    assert tbody is not None
    rows = re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', tbody.group(1), re.S)
    return {head: re.findall(r'<td class="num">(.*?)</td>', cells) for head, cells in rows}


def _labels(option: dict[str, Any]) -> list[str]:
    """The words of a chart a reader sees: its title, series, categories, axis names."""
    words = [option["title"]["text"]]
    for series in option["series"]:
        words.append(series["name"])
        words += [d["name"] for d in series["data"] if isinstance(d, dict)]
    for axis in ("xAxis", "yAxis"):
        if axis in option:
            words += [str(c) for c in option[axis].get("data", [])]
            words.append(option[axis].get("name", ""))
    return [w for w in words if w]


def _zh(text: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def _step(kind: str) -> str:
    """A funnel step's name on the Chinese page."""
    with translation.override("zh-hans"):
        return kind_label(kind)


def _channel_counts(applications: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    for channel in applications.values_list("channel", flat=True):
        counts["employer" if channel.startswith("collective") else channel] += 1
    return counts


def test_the_city_officer_sees_every_figure_as_the_tables_count_it(
    history: History,
    city_officer: Account,
    client_for: ClientFor,
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(city_officer)
    client.cookies["django_language"] = "zh-hans"
    # session, user, account, districts, groups; the day's counts; five breakdowns with their
    # names (packs, divisions, banks, employers); the series (before it, per day) — each count
    # read from the tallies (their mark, the tally, the milestones since): however many
    # milestones there are
    with django_assert_max_num_queries(34):
        answer = client.get(STATISTICS)
    body = answer.content.decode()
    assert answer.status_code == 200

    day = today()
    assert (
        f'name="day" value="{day.isoformat()}"' in body
    )  # the day shown, as a date field takes it
    applications = Application.objects.filter(applied_on__lte=day)
    cards = Card.objects.all()
    figures = _figures(body)
    assert figures["applied"] == (applications.count(), applications.filter(applied_on=day).count())
    assert figures["applied"] == (5, 3)
    assert figures["withdrawn"] == (0, 0)
    assert figures["applied_net"] == (5, 3)
    assert figures["ordered"][0] == cards.count()
    assert figures["made"][0] == cards.filter(produced_at__isnull=False).count() == 5
    assert figures["issued"][0] == cards.filter(handed_over_at__isnull=False).count() == 2
    assert figures["enabled"][0] == cards.filter(enabled_at__isnull=False).count() == 1
    assert figures["old_voided"] == (0, 0)

    # the split by channel and district: the chart's JSON and its table, the same numbers
    charts = _charts(body)
    assert {"chart-series", "chart-channel", "chart-district", "chart-bank"} <= set(charts)
    channel = _table(body, "chart-channel")
    counts = _channel_counts(applications)
    assert channel["合作银行网点"][0] == str(counts["bank_outlet"]) == "3"
    assert channel[_zh("Employer batch")][0] == str(counts["employer"]) == "2"
    assert sum(int(cells[0]) for cells in channel.values()) == applications.count()
    pie = charts["chart-channel"]["option"]["series"][0]["data"]
    assert {d["name"]: d["value"] for d in pie}["合作银行网点"] == 3
    district = _table(body, "chart-district")
    by_district = Counter(applications.values_list("person__insured_region", flat=True))
    assert district["西城区"] == [str(by_district[XICHENG])]
    assert district["朝阳区"] == [str(by_district[CHAOYANG])]
    bank = _table(body, "chart-bank")
    assert bank["中国工商银行"] == [str(applications.filter(bank_code="ICBC").count())]

    # the series: today's row counts today's applications, and so does the line
    series = _table(body, "chart-series")
    assert series[day.isoformat()][0] == str(applications.filter(applied_on=day).count())
    line = charts["chart-series"]["option"]
    assert line["xAxis"]["data"][-1] == day.isoformat()
    assert line["series"][0]["data"][-1] == 3
    # drawn by ECharts, loaded on this page only
    assert "vendor/echarts/echarts.common.min.js" in body
    assert "portal/charts.js" in body


def test_a_past_day_shows_what_stood_then(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    body = _page(client_for(city_officer), STATISTICS, day=BJ_PILOT_DAY.isoformat())
    figures = _figures(body)
    assert figures["applied"] == (2, 2)
    assert figures["made"] == (0, 0)


def test_the_district_officer_sees_their_district_and_may_not_pick_another(
    history: History, client_for: ClientFor
) -> None:
    client = client_for(AccountFactory.create(district_officer=True, district_code=CHAOYANG))
    body = _page(client, STATISTICS)
    mine = Application.objects.filter(person__insured_region=CHAOYANG)
    assert _figures(body)["applied"][0] == mine.count() == 3
    assert "chart-district" not in _charts(body)  # no comparison inside one district
    # the filter offers their district alone
    select = re.search(r'<select name="district".*?</select>', body, re.S)
    assert select is not None
    assert re.findall(r'<option value="(\d*)"', select.group(0)) == [CHAOYANG]
    # and another typed into the address is refused with its code
    client.cookies["django_language"] = "en"
    answer = client.get(STATISTICS, {"district": XICHENG})
    assert answer.status_code == 403
    assert "statistics_district_not_yours" in answer.content.decode()
    assert client.get(FUNNEL, {"district": XICHENG}).status_code == 403


def test_the_city_officer_narrows_to_a_district(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    body = _page(client_for(city_officer), STATISTICS, district=XICHENG)
    assert _figures(body)["applied"][0] == 2
    assert _figures(body)["made"][0] == Card.objects.filter(person__insured_region=XICHENG).count()


def test_employer_hr_sees_their_employer_only(history: History, client_for: ClientFor) -> None:
    client = client_for(AccountFactory.create(employer_hr=True, employer=history.employer))
    body = _page(client, STATISTICS)
    staff = Application.objects.filter(person__employer=history.employer)
    assert _figures(body)["applied"][0] == staff.count() == 2
    assert 'name="district"' not in body  # their employer is their whole scope
    assert "chart-employer" not in _charts(body)
    funnel = _table(_page(client, FUNNEL), "chart-funnel")
    assert funnel[_step("applied")][0] == "2"


def test_the_city_officer_finds_an_employer_by_name_and_narrows_to_it(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    employer = history.employer
    # typed without script: the page lists the matches as choices
    body = _page(client, STATISTICS, employer_q=employer.name[:3])
    assert f'name="employer" value="{employer.pk}"' in body
    # chosen: the figures are the employer's, from its staff's own rows
    body = _page(client, STATISTICS, employer=employer.pk)
    staff = Application.objects.filter(person__employer=employer)
    assert _figures(body)["applied"][0] == staff.count() == 2
    assert employer.name in body
    assert employer.credit_code in body
    assert "chart-employer" not in _charts(body)  # no split of one employer
    assert f"statistics/export.xlsx?employer={employer.pk}" in body
    # the funnel narrows the same way, and "all employers" drops the choice
    funnel = _page(client, FUNNEL, employer=employer.pk)
    assert _table(funnel, "chart-funnel")[_step("applied")][0] == "2"
    whole = _page(client, STATISTICS)
    assert _figures(whole)["applied"][0] == Application.objects.count() > 2
    assert 'name="employer_q"' in whole


def test_an_employer_of_another_city_is_not_found(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    other = EmployerFactory.create(insured_district="310101")
    answer = client_for(city_officer).get(STATISTICS, {"employer": other.pk})
    assert answer.status_code == 404
    assert other.name not in answer.content.decode()


@pytest.mark.parametrize("role", ["bank_clerk", "production_operator", "cardholder"])
def test_other_roles_are_refused(role: str, client_for: ClientFor) -> None:
    client = client_for(AccountFactory.of_role(role))
    assert client.get(STATISTICS).status_code == 403
    assert client.get(FUNNEL).status_code == 403


def test_the_funnel_counts_people_at_each_step_with_its_table(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    body = _page(client_for(city_officer), FUNNEL)
    table = _table(body, "chart-funnel")
    applied = Application.objects.values("person").distinct().count()
    made = Card.objects.filter(produced_at__isnull=False).values("person").distinct().count()
    issued = Card.objects.filter(handed_over_at__isnull=False).values("person").distinct().count()
    assert table[_step("applied")][0] == str(applied)
    assert table[_step("made")][0] == str(made)
    assert table[_step("issued")] == [str(issued), f"{100 * issued / made:.1f}%", "0"]
    assert _charts(body)["chart-funnel"]["option"]["series"][0]["data"][2] == applied
    assert "reports/funnel/export.xlsx" in body or "funnel/export" in body


def test_the_series_is_weekly_when_asked(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    weeks = {"step": "week", "starts": BJ_PILOT_DAY.isoformat()}
    body = _page(client, STATISTICS, **weeks, ends=(BJ_PILOT_DAY + timedelta(days=20)).isoformat())
    line = _charts(body)["chart-series"]["option"]
    assert line["xAxis"]["data"] == ["2024-03-04", "2024-03-11", "2024-03-18"]  # Mondays
    assert line["series"][0]["data"] == [2, 0, 0]
    assert _table(body, "chart-series")["2024-03-04"][0] == "2"
    day = today()
    body = _page(client, STATISTICS, step="week", starts=(day - timedelta(days=27)).isoformat())
    assert sum(_charts(body)["chart-series"]["option"]["series"][0]["data"]) == 3


def test_a_long_daily_series_is_refused_beside_its_field(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    client = client_for(city_officer)
    client.cookies["django_language"] = "en"
    answer = client.get(STATISTICS, {"starts": "2020-01-01", "ends": "2024-01-01"})
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "choose weekly for longer" in body
    assert _figures(body)["applied"][0] == 5  # the figures still stand


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_languages_charts_speak_it_alone(
    history: History, city_officer: Account, client_for: ClientFor, language: str
) -> None:
    client = client_for(city_officer)
    for path in (STATISTICS, FUNNEL):
        charts = _charts(_page(client, path, language))
        assert charts
        for chart_id, payload in charts.items():
            assert payload["locale"] == ("EN" if language == "en" else "ZH")
            if chart_id == "chart-employer":
                continue  # employers' names are their own, in Chinese on any page
            for word in _labels(payload["option"]):
                if language == "en":
                    assert not CJK.search(word), (chart_id, word)
                else:
                    assert not re.search(r"[A-Za-z]{2,}", word), (chart_id, word)


def test_the_campaign_page_charts_applications_per_week(
    history: History, city_officer: Account, client_for: ClientFor
) -> None:
    day = today()
    body = _page(client_for(city_officer), "/campaigns/")
    charts = {k: v for k, v in _charts(body).items() if k.startswith("chart-weekly-")}
    assert len(charts) == 1
    ((chart_id, payload),) = charts.items()
    weeks = _table(body, chart_id)
    this_week = payload["option"]["xAxis"]["data"][-1]
    assert weeks[this_week] == [str(Application.objects.filter(applied_on=day).count())]
    assert "vendor/echarts/echarts.common.min.js" in body
    # a district officer counts their own district's
    district = client_for(AccountFactory.create(district_officer=True, district_code=XICHENG))
    body = _page(district, "/campaigns/", on=BJ_PILOT_DAY.isoformat())
    ((chart_id, _payload),) = [(k, v) for k, v in _charts(body).items() if "weekly" in k]
    assert _table(body, chart_id)[BJ_PILOT_DAY.isoformat()] == ["2"]

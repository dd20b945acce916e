"""A chart is drawn from JSON the page can carry safely, and its numbers are in a table too."""

from __future__ import annotations

import json
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from sscard.core.charts import Chart, ChartKind

TAG = Template("{% load chart_tags %}{% chart c %}")


def _render(chart: Chart, language: str = "zh-hans") -> str:
    with translation.override(language):
        return TAG.render(Context({"c": chart}))


def _payload(html: str, chart: Chart) -> dict[str, object]:
    found = re.search(
        rf'<script id="{chart.data_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None, html
    data: dict[str, object] = json.loads(found.group(1))
    return data


def test_a_line_charts_option_has_its_axes_series_and_aria():
    chart = Chart(
        "c-series",
        ChartKind.LINE,
        "Day by day",
        ["2024-03-01", "2024-03-02"],
        [("Applications", [3, 5]), ("Cards made", [0, 2])],
        unit="items",
    )
    option = chart.option()
    assert option["xAxis"]["data"] == ["2024-03-01", "2024-03-02"]
    assert option["yAxis"]["type"] == "value"
    assert [(s["name"], s["type"], s["data"]) for s in option["series"]] == [
        ("Applications", "line", [3, 5]),
        ("Cards made", "line", [0, 2]),
    ]
    assert option["aria"]["enabled"] is True
    assert option["legend"]["type"] == "scroll"
    json.dumps(option)  # nothing but JSON: no function, no object of ours


def test_a_horizontal_bar_puts_its_categories_on_the_vertical_axis_top_down():
    chart = Chart(
        "c", ChartKind.BAR, "By district", ["西城区", "朝阳区"], [("n", [4, 1])], horizontal=True
    )
    option = chart.option()
    assert option["yAxis"]["data"] == ["西城区", "朝阳区"]
    assert option["yAxis"]["inverse"] is True
    assert option["xAxis"]["type"] == "value"
    assert chart.height > 200


def test_a_stacked_bar_stacks_and_totals():
    chart = Chart("c", ChartKind.STACKED_BAR, "t", ["a", "b"], [("x", [1, 2]), ("y", [3, 4])])
    assert {s["stack"] for s in chart.option()["series"]} == {"total"}
    assert chart.totals() == (3, 7)


def test_a_pie_draws_one_series_and_its_table_gives_each_share():
    chart = Chart(
        "c-channel",
        ChartKind.PIE,
        "渠道",
        ["银行网点", "线上"],
        [("申领", [3, 1])],
        category_label="渠道",
        share_label="占比",
    )
    data = chart.option()["series"][0]["data"]
    assert data == [{"name": "银行网点", "value": 3}, {"name": "线上", "value": 1}]
    assert [r.extras for r in chart.rows()] == [("75.0%",), ("25.0%",)]
    with pytest.raises(ValueError, match="one series"):
        Chart("c", ChartKind.PIE, "t", ["a"], [("x", [1]), ("y", [2])])


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="categories"):
        Chart("c", ChartKind.BAR, "t", ["a", "b"], [("x", [1])])
    with pytest.raises(ValueError, match="categories"):
        Chart("c", ChartKind.BAR, "t", ["a"], [("x", [1])], extra_columns=[("e", [])])


def test_the_figure_has_a_hidden_box_its_json_and_an_accessible_table():
    chart = Chart(
        "c-funnel",
        ChartKind.BAR,
        "From eligible to the old card void",
        ["Eligible", "Applied"],
        [("People", [10, 4])],
        unit="people",
        category_label="Step",
        extra_columns=[("Of the step before", ["—", "40.0%"])],
    )
    html = _render(chart, "en")
    box = re.search(r"<div class=\"chart-box\"[^>]*>", html)
    assert box is not None
    assert 'data-chart="c-funnel-data"' in box.group(0)
    assert " hidden" in box.group(0)  # drawn by charts.js; without it the table is the chart
    payload = _payload(html, chart)
    assert payload["locale"] == "EN"
    assert payload["unit"] == "people"
    assert "<caption>From eligible to the old card void (people)</caption>" in html
    assert '<th scope="col">Step</th>' in html
    assert '<th scope="col" class="num">People</th>' in html
    assert '<th scope="col" class="num">Of the step before</th>' in html
    assert re.search(
        r'<th scope="row">Applied</th>\s*<td class="num">4</td>\s*<td class="num">40.0%</td>', html
    )


def test_the_json_cannot_end_its_script_block():
    chart = Chart("c", ChartKind.BAR, "</script><script>alert(1)</script>", ["<b>"], [("&", [1])])
    html = _render(chart)
    assert (
        "</script><script>"
        not in html.split('type="application/json">', 1)[1].split("</script>")[0]
    )
    assert _payload(html, chart)["option"]["title"]["text"] == "</script><script>alert(1)</script>"  # type: ignore[index]
    assert '<th scope="row">&lt;b&gt;</th>' in html


def test_nothing_to_draw_leaves_the_table_alone_saying_so():
    chart = Chart("c", ChartKind.PIE, "Channels", [], [("Applications", [])])
    html = _render(chart, "en")
    assert "data-chart" not in html
    assert "Nothing to show for this choice." in html


def test_the_chinese_page_asks_echarts_for_its_chinese_locale():
    chart = Chart("c", ChartKind.LINE, "逐日", ["2024-03-01"], [("申领", [1])], unit="件")
    html = _render(chart, "zh-hans")
    assert _payload(html, chart)["locale"] == "ZH"
    assert "<caption>逐日（件）</caption>" in html

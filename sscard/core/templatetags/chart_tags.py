"""``{% chart chart %}``: a chart of :mod:`sscard.core.charts` with its table, and
``{% chart_scripts %}``: the scripts that draw them, for the ``<head>`` of a page that has any."""

from __future__ import annotations

from typing import Any

from django import template

from sscard.core.charts import Chart
from sscard.core.names import english_active

register = template.Library()


@register.inclusion_tag("core/includes/chart.html")
def chart(chart: Chart) -> dict[str, Any]:
    """The ``<figure>``: the chart's box (hidden until ``charts.js`` draws in it), its option
    as JSON in the page's language, and the table of the same numbers."""
    numbers, extras = chart.headers()
    return {
        "chart": chart,
        "payload": chart.payload(english=english_active()),
        "numbers": numbers,
        "extras": extras,
        "columns": 1 + len(numbers) + len(extras),
        "rows": chart.rows(),
        "totals": chart.totals(),
    }


@register.inclusion_tag("core/includes/chart_scripts.html")
def chart_scripts() -> dict[str, Any]:
    """ECharts and ``charts.js``, deferred: only pages with charts load them."""
    return {}

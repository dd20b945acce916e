"""Charts of the pages: a figure Apache ECharts draws in the browser, and the same numbers as a
table in the HTML, so that a page is read whole without JavaScript.

A view builds a :class:`Chart` from the figures it shows (names, never codes, in the page's
language) and the page includes it with ``{% chart chart %}`` (``core/includes/chart.html``):
a ``<figure>`` with the chart's box, its option as a ``json_script`` block and an accessible
table (caption, ``th scope``). ``portal/charts.js`` draws every ``[data-chart]`` box from its
JSON; the page carries no script of its own (the Content-Security-Policy refuses inline script).
The reports and the campaign page use it, so it lives in the core, below both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["LABEL_WIDTH", "PALETTE", "Chart", "ChartKind", "ChartRow"]


class ChartKind(StrEnum):
    """How the numbers are drawn."""

    LINE = "line"
    BAR = "bar"
    PIE = "pie"
    STACKED_BAR = "stacked_bar"


#: The restrained blues and reds of a government dashboard, then their quieter shades; series
#: take them in order (ECharts cycles them for more).
PALETTE = (
    "#1d5fa8",
    "#b8322a",
    "#5b8fd0",
    "#0f3a68",
    "#d97b70",
    "#8fb2dc",
    "#7a1f1a",
    "#6b7c93",
    "#c3d3e8",
    "#e8b4ae",
)
_INK = "#1f2933"
_INK_SOFT = "#52606d"
_LINE = "#d9dee5"
#: The widest a category's name may be beside a horizontal bar, in pixels.
LABEL_WIDTH = 160
# ECharts' own locales (its aria description, toolbox words), one per page language.
_LOCALES = {False: "ZH", True: "EN"}


@dataclass(frozen=True, slots=True)
class ChartRow:
    """One line of a chart's table: the category, its number in each series, and the cells of
    the extra columns (already written out, as a share or a median)."""

    category: str
    values: tuple[float, ...]
    extras: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart and its table: ``categories`` along the axis (days, districts, channels, steps),
    ``series`` the named numbers over them (one value per category), ``unit`` what they count.

    ``category_label`` heads the table's first column. ``extra_columns`` are cells the table
    shows beside the numbers and the chart does not draw (a conversion rate, a median), one per
    category each. ``horizontal`` lays bars along the vertical axis, for long names (districts,
    banks). A pie draws the first series only; its table adds each category's share.
    """

    chart_id: str
    kind: ChartKind
    title: str
    categories: Sequence[str]
    series: Sequence[tuple[str, Sequence[float]]]
    unit: str = ""
    category_label: str = ""
    horizontal: bool = False
    note: str = ""
    share_label: str = ""
    extra_columns: Sequence[tuple[str, Sequence[str]]] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name, values in self.series:
            if len(values) != len(self.categories):
                raise ValueError(f"series {name!r}: {len(values)} values, {len(self)} categories")
        for name, cells in self.extra_columns:
            if len(cells) != len(self.categories):
                raise ValueError(f"column {name!r}: {len(cells)} cells, {len(self)} categories")
        if self.kind is ChartKind.PIE and len(self.series) != 1:
            raise ValueError("a pie draws one series")

    def __len__(self) -> int:
        return len(self.categories)

    @property
    def data_id(self) -> str:
        """The id of the ``json_script`` block the chart's box names in ``data-chart``."""
        return f"{self.chart_id}-data"

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw: no category, or every number is zero."""
        return not any(v for _name, values in self.series for v in values)

    @property
    def height(self) -> int:
        """The box's height in pixels: a horizontal bar chart grows with its categories."""
        if self.horizontal:
            return max(220, 30 * len(self.categories) + 70)
        return 320

    def rows(self) -> list[ChartRow]:
        """The table's body: one row per category, with a pie's shares as the last cells."""
        shares = self._shares() if self.kind is ChartKind.PIE else None
        rows = []
        for i, category in enumerate(self.categories):
            extras = tuple(cells[i] for _name, cells in self.extra_columns)
            if shares is not None:
                extras = (*extras, shares[i])
            values = tuple(values[i] for _name, values in self.series)
            rows.append(ChartRow(category, values, extras))
        return rows

    def headers(self) -> tuple[list[str], list[str]]:
        """The heads of the number columns and of the extra ones (a pie's share last)."""
        extras = [name for name, _cells in self.extra_columns]
        if self.kind is ChartKind.PIE:
            extras.append(self.share_label or "%")
        return [name for name, _values in self.series], extras

    def totals(self) -> tuple[float, ...] | None:
        """Each series' sum, for the table's foot: where adding the categories makes sense
        (a pie's parts, a stacked bar's layers), else None."""
        if self.kind not in (ChartKind.PIE, ChartKind.STACKED_BAR):
            return None
        return tuple(sum(values) for _name, values in self.series)

    def _shares(self) -> list[str]:
        values = self.series[0][1]
        whole = sum(values)
        return [f"{100 * v / whole:.1f}%" if whole else "—" for v in values]

    def payload(self, *, english: bool) -> dict[str, Any]:
        """What ``charts.js`` reads: ECharts' locale for the page's language, the unit its
        tooltips append, and the option (plain JSON: no function, no HTML)."""
        return {"locale": _LOCALES[english], "unit": self.unit, "option": self.option()}

    def option(self) -> dict[str, Any]:
        """The ECharts option drawing the chart."""
        option: dict[str, Any] = {
            "color": list(PALETTE),
            "animation": False,
            "aria": {"enabled": True, "label": {"enabled": True}},
            # The page's heading names the chart; the option keeps the title for the aria
            # description ECharts writes from it, without drawing it twice.
            "title": {"text": self.title, "show": False},
            "textStyle": {"color": _INK},
        }
        if self.kind is ChartKind.PIE:
            option.update(self._pie())
        else:
            option.update(self._axes())
        return option

    def _legend(self, *, top: bool) -> dict[str, Any]:
        place = {"top": 0} if top else {"bottom": 0}
        return {"type": "scroll", **place, "textStyle": {"color": _INK_SOFT}}

    def _pie(self) -> dict[str, Any]:
        name, values = self.series[0]
        return {
            "tooltip": {"trigger": "item"},
            "legend": self._legend(top=False),
            "series": [
                {
                    "type": "pie",
                    "name": name,
                    "radius": ["38%", "64%"],
                    "center": ["50%", "45%"],
                    "avoidLabelOverlap": True,
                    "label": {"formatter": "{b}\n{d}%", "color": _INK_SOFT},
                    "data": [
                        {"name": c, "value": v}
                        for c, v in zip(self.categories, values, strict=True)
                    ],
                }
            ],
        }

    def _axes(self) -> dict[str, Any]:
        several = len(self.series) > 1
        category_axis: dict[str, Any] = {
            "type": "category",
            "data": list(self.categories),
            "axisLine": {"lineStyle": {"color": _LINE}},
            "axisLabel": {"color": _INK_SOFT, "hideOverlap": True},
            "axisTick": {"alignWithLabel": True},
        }
        value_axis: dict[str, Any] = {
            "type": "value",
            "minInterval": 1,
            "name": self.unit,
            "nameTextStyle": {"color": _INK_SOFT},
            "axisLabel": {"color": _INK_SOFT},
            "splitLine": {"lineStyle": {"color": _LINE, "type": "dashed"}},
        }
        if self.horizontal:
            category_axis["inverse"] = True  # the first category on top, as the table reads
            # A long name (a group's, a bank's) is cut with an ellipsis rather than squeeze
            # the bars: it is whole in the table and the tooltip (charts.js narrows it on a
            # phone). The unit is in the caption and the tooltip, not at the axis's far end.
            category_axis["axisLabel"].update({"width": LABEL_WIDTH, "overflow": "truncate"})
            del value_axis["name"]
            axes = {"xAxis": value_axis, "yAxis": category_axis}
        else:
            axes = {"xAxis": category_axis, "yAxis": value_axis}
        kind = "line" if self.kind is ChartKind.LINE else "bar"
        series = []
        for name, values in self.series:
            one: dict[str, Any] = {"type": kind, "name": name, "data": list(values)}
            if self.kind is ChartKind.STACKED_BAR:
                one["stack"] = "total"
            if kind == "line":
                one.update({"symbol": "circle", "symbolSize": 5, "showSymbol": len(self) <= 40})
            else:
                one["barMaxWidth"] = 28
            series.append(one)
        return {
            **axes,
            "tooltip": {
                "trigger": "axis",
                "axisPointer": {"type": "shadow" if kind == "bar" else "line"},
            },
            "legend": self._legend(top=True) if several else {"show": False},
            "grid": {
                "left": 8,
                "right": 24,
                "top": 56 if several else 32,
                "bottom": 8,
                "containLabel": True,
            },
            "series": series,
        }

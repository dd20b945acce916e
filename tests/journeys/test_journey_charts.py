"""The statistics page draws its charts (issue 13, point 2): at 390 px and 1280 px, in Chinese and
in English, every chart box holds a drawn canvas the size of its box, with ECharts' description
for screen readers, and its table beside it; nothing breaks the Content-Security-Policy. With
JavaScript off the boxes stay hidden and the tables carry the same numbers.

Screenshots of each width and language go to ``artifacts/issue-13/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from sscard.reports.tests.support import statistics_history
from sscard.testing.browser import ARTIFACTS, PHONE
from sscard.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = ARTIFACTS.parent / "issue-13"
WIDTHS = {390: PHONE, 1280: {"width": 1280, "height": 900}}
LANGUAGES = ("zh-hans", "en")
USERNAME = "charts-officer"

# Asked of the page once charts.js has run: each chart's box, what ECharts drew in it, and the
# table of its figure.
CHARTS = """
() => [...document.querySelectorAll("figure.chart")].map((figure) => {
  const box = figure.querySelector("[data-chart]");
  const canvas = box && box.querySelector("canvas");
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.width, r.height]; };
  return {
    id: figure.id,
    drawn: !!(box && box.dataset.chartDrawn),
    hidden: !box || box.hidden,
    box: box ? rect(box) : null,
    canvas: canvas ? rect(canvas) : null,
    aria: box ? box.getAttribute("aria-label") || "" : "",
    rows: figure.querySelectorAll("table tbody tr").length,
    caption: (figure.querySelector("table caption") || {}).textContent || "",
  };
})
"""


def _signed_in(context: BrowserContext, base_url: str) -> None:
    client = Client()
    client.force_login(get_user_model().objects.get(username=USERNAME))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _context(browser: Browser, base_url: str, width: int, **options: Any) -> Iterator[Page]:
    phone = width < 640
    context = browser.new_context(
        base_url=base_url,
        viewport=WIDTHS[width],  # type: ignore[arg-type]
        is_mobile=phone,
        has_touch=phone,
        **options,
    )
    context.set_default_timeout(15_000)
    _signed_in(context, base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


def _violations(page: Page) -> list[str]:
    found: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            found.append(f"{page.url}: {message.text}")

    page.on("console", console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))
    return found


def _shot(page: Page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def test_the_statistics_page_draws_its_charts_at_both_widths_in_both_languages(
    chromium: Browser, live_server: Any
) -> None:
    statistics_history()
    AccountFactory.create(user__username=USERNAME)
    problems: list[str] = []
    for width in WIDTHS:
        for page in _context(chromium, live_server.url, width):
            errors = _violations(page)
            for language in LANGUAGES:
                page.context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                for path in ("/reports/statistics/", "/reports/funnel/"):
                    answer = page.goto(path)
                    assert answer is not None, path
                    assert answer.ok, (path, answer.status)
                    page.wait_for_function(
                        "() => [...document.querySelectorAll('[data-chart]')]"
                        ".every((box) => box.dataset.chartDrawn && box.querySelector('canvas'))"
                    )
                    charts = page.evaluate(CHARTS)
                    where = f"{path} {language} {width}px"
                    assert charts, where
                    for chart in charts:
                        if chart["hidden"] and chart["rows"] and not chart["drawn"]:
                            continue  # nothing to draw: the table says so
                        if not (chart["drawn"] and chart["canvas"] and chart["canvas"][1] > 100):
                            problems.append(f"{where}: {chart['id']} not drawn: {chart}")
                        elif chart["box"][0] > width or chart["canvas"][0] > chart["box"][0] + 1:
                            problems.append(f"{where}: {chart['id']} wider than its box: {chart}")
                        # ECharts' own description ("这是一个关于…的图表", "This is a chart
                        # about …"), in place of the bare title the page gave the box
                        if chart["drawn"] and not re.search(r"这是一个|This is a", chart["aria"]):
                            problems.append(f"{where}: {chart['id']} not described: {chart}")
                        if not chart["rows"] or not chart["caption"]:
                            problems.append(f"{where}: {chart['id']} has no table: {chart}")
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > WIDTHS[width]["width"]:
                        problems.append(f"{where}: the page scrolls sideways ({wide}px)")
                    name = path.strip("/").replace("/", "-")
                    _shot(page, f"{name}-{language}-{width}")
            problems += errors
    assert not problems, "\n".join(problems)


def test_without_javascript_the_tables_carry_the_numbers(
    chromium: Browser, live_server: Any
) -> None:
    statistics_history()
    AccountFactory.create(user__username=USERNAME)
    for page in _context(chromium, live_server.url, 390, java_script_enabled=False):
        page.context.add_cookies(
            [{"name": "django_language", "value": "en", "url": live_server.url}]
        )
        page.goto("/reports/statistics/")
        assert page.locator("[data-chart]").count() >= 4
        assert page.locator("[data-chart]:visible").count() == 0  # no empty boxes
        assert page.locator("canvas").count() == 0
        channel = page.locator("#chart-channel table")
        assert channel.is_visible()
        text = channel.inner_text()
        assert re.search(r"Partner bank outlet\s+3\s+60\.0%", text), text
        assert page.locator("[data-kind=applied] [data-cumulative]").inner_text() == "5"
        _shot(page, "statistics-en-390-no-javascript")

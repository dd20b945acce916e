"""Every page of every role, in both languages: every link works and no page shows a code.

Issue 12, points 1 and 8. The demo city is set up once, by the code ``sscard demo`` runs
(``sscard.testing.demo.demo_city_create``, a small population), with one account per role.
Each role signs in through the form and, in Chinese and in English (the ``django_language``
cookie), follows every same-origin link reachable from the home page, GET only (sign-out,
language switch, admin, static files and the API are left out; exports, reports and the
factory's files are fetched for their status). The test fails on any answer of 400 or more and
on any internal code in the visible text of a page: bank codes, pickup methods, channels,
actions, categories, genders, region codes of the city's people, SMS template keys, rule ids,
error codes and the codes a failed SMS send records (``timeout``, ``http_503``: the outbox names
them) (``sscard.testing.crawl.KnownCodes`` says how each is told from a word).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from sscard.core.clock import today
from sscard.testing.browser import DESKTOP, sign_in
from sscard.testing.crawl import Crawl, KnownCodes, crawl, known_codes
from sscard.testing.demo import demo_city_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERSONS = 1_000
LANGUAGES = ("zh-hans", "en")


def _crawl_as(
    chromium: Browser, base: str, username: str, password: str
) -> Iterator[tuple[str, Crawl]]:
    """Sign in once through the form, then crawl in each language (the cookie switches it)."""
    context = chromium.new_context(
        base_url=base, viewport={"width": DESKTOP["width"], "height": DESKTOP["height"]}
    )
    context.set_default_timeout(15_000)
    # Pictures and fonts change nothing a person reads; the style sheets (what is hidden) do.
    context.route("**/*.{png,jpg,jpeg,gif,svg,ico,woff,woff2,ttf}", lambda route: route.abort())
    try:
        page = context.new_page()
        sign_in(page, username, password)
        assert "/login/" not in page.url, f"{username} could not sign in"
        for language in LANGUAGES:
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            yield language, crawl(page, base)
    finally:
        context.close()


def _problems(found: Crawl, known: KnownCodes, *, who: str, english: bool) -> list[str]:
    problems = [f"{who}: {visit.status} {visit.url}" for visit in found.broken]
    for visit in found.pages:
        problems += [
            f"{who}: {visit.url} shows {hit}"
            for hit in known.found_in(visit.text or "", english=english)
        ]
    return problems


def test_every_link_of_every_role_works_and_no_page_shows_a_code(
    chromium: Browser, live_server: Any, settings: Any, tmp_path: Path
) -> None:
    settings.SSCARD_FACTORY_DIR = tmp_path / "factory"
    started = time.monotonic()
    accounts = demo_city_create(city="beijing", persons=PERSONS, today=today())
    known = known_codes()
    print(f"\ndemo city of {PERSONS:,} persons set up in {time.monotonic() - started:.1f}s")
    problems: list[str] = []
    reached: dict[str, Crawl] = {}
    for username, password, _label in accounts:
        started = time.monotonic()
        for language, found in _crawl_as(chromium, live_server.url, username, password):
            who = f"{username} ({language})"
            reached[who] = found
            print(
                f"{who}: {len(found.pages)} pages, {len(found.downloads)} files, "
                f"{len(found.skipped)} links left out, {time.monotonic() - started:.1f}s"
            )
            started = time.monotonic()
            problems += _problems(found, known, who=who, english=language == "en")

    assert not problems, "\n".join(problems)
    # Each crawl read its language: the home page's sign-out button says so.
    for who, found in reached.items():
        home = found.pages[0].text or ""
        assert ("Sign out" if who.endswith("(en)") else "退出登录") in home, (who, home[:200])
    # The crawl saw each role's pages, and the links that were broken before now answer: the
    # production operator's factory files (the demo keeps them in the data directory).
    assert all(len(found.pages) >= 2 for found in reached.values()), {
        who: [v.url for v in found.visits] for who, found in reached.items()
    }
    operator = reached["demo-production-operator (zh-hans)"]
    files = [v for v in operator.downloads if "/files/" in v.url]
    assert {Path(v.url).suffix for v in files} >= {".sm4", ".json"}, operator.visits

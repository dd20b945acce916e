"""Crawl what a signed-in person can reach, and look for internal codes in what they read.

Issue 12: no page shows an internal code where a name exists (points 1) and every link of
every page works (point 8). :func:`crawl` follows every same-origin link from the home page —
GET only, as a person clicking would — and records each answer's status and the page's visible
text; a download (an export, a report, a factory file) is fetched for its status only.
:class:`KnownCodes` is the list of codes a person must never read, built from the database and
the enums; :meth:`KnownCodes.found_in` finds them in a text.

Both serve the browser test ``tests/journeys/test_journey_every_page.py``; the crawl also runs
against a served demo by hand (``python -m sscard.testing.crawl URL USER PASSWORD``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import Page

#: Not pages a person reads: signing out, switching language, Django's admin, files, the API.
SKIPPED = ("/logout", "/i18n/", "/admin/", "/static/", "/api/", "/media/")
#: How many URLs of one shape (ids and page numbers as ``N``) a crawl visits.
SAME_SHAPE = 3
#: Page numbers beyond this are the same page again with other rows.
LAST_PAGE = 2
#: A crawl stops after this many answers: enough for every page of a role, few enough to be fast.
MAX_VISITS = 60
#: Links whose answer is a file (exports, reports, the factory's files): status only.
_DOWNLOAD = re.compile(r"/export|/files/|\.(csv|xlsx|pdf|json|sm4)(\?|$)|/report\.|/print")
_SHAPE = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Visit:
    """One URL of a crawl: its status, and the visible text of a page (``None`` for a file)."""

    url: str
    status: int
    text: str | None


@dataclass
class Crawl:
    """Everything one signed-in person reached from the home page."""

    visits: list[Visit] = field(default_factory=list)
    skipped: set[str] = field(default_factory=set)

    @property
    def broken(self) -> list[Visit]:
        return [v for v in self.visits if v.status >= 400]

    @property
    def pages(self) -> list[Visit]:
        return [v for v in self.visits if v.text is not None]

    @property
    def downloads(self) -> list[Visit]:
        return [v for v in self.visits if v.text is None]


def _local(base: str, here: str, href: str) -> str | None:
    """The path and query of a same-origin link, or ``None`` for a link to elsewhere."""
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    absolute = urlsplit(urljoin(base + here, href))
    if absolute.netloc != urlsplit(base).netloc:
        return None
    return absolute.path + (f"?{absolute.query}" if absolute.query else "")


def _beyond_last_page(url: str) -> bool:
    pages = [v for k, v in parse_qsl(urlsplit(url).query) if k == "page"]
    return any(not p.isdigit() or int(p) > LAST_PAGE for p in pages)


def _canonical(url: str) -> str:
    """The URL with its query in one order, so that ``?a=1&b=2`` and ``?b=2&a=1`` are one, and
    without ``page=1``, which is the list itself."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted(p for p in pairs if p != ("page", "1")))
    return parts.path + (f"?{query}" if query else "")


def crawl(page: Page, base: str, *, max_visits: int = MAX_VISITS) -> Crawl:
    """Follow every link reachable from ``/`` as the signed-in ``page``, breadth first."""
    done = Crawl()
    queue, queued = ["/"], {"/"}
    shapes: Counter[str] = Counter()
    while queue and len(done.visits) < max_visits:
        url = queue.pop(0)
        if _DOWNLOAD.search(url):
            done.visits.append(Visit(url, page.request.get(url).status, None))
            continue
        response = page.goto(url, wait_until="domcontentloaded")
        status = response.status if response is not None else 0
        if status >= 400:
            done.visits.append(Visit(url, status, None))
            continue
        done.visits.append(Visit(url, status, page.inner_text("body")))
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            found = _local(base, url, href)
            if found is None:
                continue
            found = _canonical(found)
            if found.startswith(SKIPPED) or _beyond_last_page(found):
                done.skipped.add(found)
                continue
            if found in queued:
                continue
            shape = _SHAPE.sub("N", found)
            if shapes[shape] >= SAME_SHAPE:
                done.skipped.add(found)
                continue
            shapes[shape] += 1
            queued.add(found)
            queue.append(found)
    return done


def _alternation(codes: Iterable[str]) -> str:
    return "|".join(re.escape(c) for c in sorted(set(codes), key=lambda c: (-len(c), c)))


@dataclass(frozen=True)
class KnownCodes:
    """The codes a person must never read, by how safely they can be told from words.

    * ``marked`` codes cannot be words of either language: bank codes (``ICBC``), values with
      an underscore (``in_service_staff``, ``confirm_request``, ``loss_already_reported``),
      rule ids (``BJ-11``) and 6-digit region codes. They are looked for on every page.
    * ``plain`` codes are also English words or letters (``branch``, ``post``, ``online``,
      ``retiree``, ``M``): in an English page they may be the word itself, so they are looked
      for in Chinese pages only, where any of them is a code. A template renders both
      languages, so a code it prints shows up in the Chinese page all the same.
    """

    marked: frozenset[str]
    plain: frozenset[str]
    regions: frozenset[str]
    #: Names that contain a code as a word of their own ("China CITIC Bank"): read as names.
    names: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls, codes: Iterable[str], regions: Iterable[str], names: Iterable[str] = ()
    ) -> KnownCodes:
        marked: set[str] = set()
        plain: set[str] = set()
        for code in codes:
            if not code:
                continue
            (marked if "_" in code or (code.isupper() and len(code) > 1) else plain).add(code)
        known = cls(frozenset(marked), frozenset(plain), frozenset(regions))
        coded = frozenset(n for n in names if n and known._hits(n, english=True))
        return cls(known.marked, known.plain, known.regions, coded)

    def _patterns(self, english: bool) -> list[re.Pattern[str]]:
        # A code stands alone: not inside a Latin word, a number, a username ("demo-post") or
        # a path ("/api/v1/post/"); Chinese around it is no boundary ("领卡方式branch"). Rule ids
        # always; region codes not inside a longer code or number.
        edge_before, edge_after = r"(?<![A-Za-z0-9_/.-])", r"(?![A-Za-z0-9_/-])"
        found = [re.compile(r"(?<![A-Za-z0-9_-])(?:BJ|SH)-\d\d(?!\d)")]
        if self.marked:
            found.append(re.compile(f"{edge_before}(?:{_alternation(self.marked)}){edge_after}"))
        if self.regions:
            found.append(
                re.compile(rf"(?<![A-Za-z0-9*])(?:{_alternation(self.regions)})(?![A-Za-z0-9])")
            )
        if not english and self.plain:
            found.append(re.compile(f"{edge_before}(?:{_alternation(self.plain)}){edge_after}"))
        return found

    def found_in(self, text: str, *, english: bool) -> list[str]:
        """Each code found in ``text``, with the words around it (for the failure message)."""
        for name in sorted(self.names, key=len, reverse=True):
            text = text.replace(name, " ")
        return self._hits(text, english=english)

    def _hits(self, text: str, *, english: bool) -> list[str]:
        hits = []
        for pattern in self._patterns(english):
            for match in pattern.finditer(text):
                start, end = max(match.start() - 30, 0), match.end() + 30
                context = " ".join(text[start:end].split())
                hits.append(f"{match.group(0)!r} in “…{context}…”")
        return hits


def known_codes() -> KnownCodes:
    """The codes of the database and the enums a person may come across (Django set up).

    Bank codes, pickup methods, channels, actions, person categories and genders, SMS template
    keys (the enum's and the packs'), every error code of the catalogue, the codes a failed SMS
    send records (``timeout``, ``http_500`` …), and the region codes of the persons, employers,
    outlets and divisions in the database.
    """
    from django.db.models import TextChoices

    from sscard.campaigns.models import Campaign
    from sscard.campaigns.selectors import campaign_pack
    from sscard.core.errorcatalogue import catalogue
    from sscard.network.models import Bank, Outlet
    from sscard.notifications.choices import SmsTemplate
    from sscard.notifications.sms_errors import send_error_codes
    from sscard.policy import builtin_pack, builtin_pack_ids
    from sscard.policy.engine import ACTION_NAMES, CHANNEL_NAMES
    from sscard.registry.choices import PersonCategory, Sex
    from sscard.registry.models import Division, Employer, Person

    packs = [builtin_pack(i) for i in builtin_pack_ids()]
    packs += [campaign_pack(c) for c in Campaign.objects.all()]
    choices: list[type[TextChoices]] = [PersonCategory, Sex, SmsTemplate]
    codes: set[str] = set(Bank.objects.values_list("code", flat=True))
    codes |= {c.value for choice in choices for c in choice}
    codes |= set(CHANNEL_NAMES) | set(ACTION_NAMES)
    codes |= {key for pack in packs for key in (*pack.pickup_methods, *pack.templates)}
    codes |= {entry.code for entry in catalogue()}
    codes |= send_error_codes()
    regions: set[str] = set()
    for column in ("hukou_region", "insured_region"):
        regions |= set(Person.objects.values_list(column, flat=True).distinct())
    regions |= set(Employer.objects.values_list("insured_district", flat=True).distinct())
    regions |= set(Outlet.objects.values_list("district", flat=True).distinct())
    regions |= set(Division.objects.values_list("code", flat=True))
    names = [n for pair in Bank.objects.values_list("name_zh", "name_en") for n in pair]
    return KnownCodes.of(
        codes, {r for r in regions if r and len(r) == 6 and r.isdigit()}, names=names
    )


def main() -> None:  # pragma: no cover - a tool for a served demo, by hand
    """Crawl a served demo as one account in both languages; print what is broken or coded.

    ``SSCARD_DATA_DIR=… python -m sscard.testing.crawl http://127.0.0.1:8000 USER PASSWORD``
    (the data directory of the demo, for the list of codes).
    """
    import os
    import sys

    import django
    from playwright.sync_api import sync_playwright

    from sscard.testing.browser import CHROMIUM_ARGS, chromium_path, sign_in

    base, username, password = sys.argv[1:4]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    known = known_codes()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for language in ("zh-hans", "en"):
            context = browser.new_context(base_url=base)
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            sign_in(page, username, password)
            found = crawl(page, base)
            print(f"{username} {language}: {len(found.pages)} pages, {len(found.downloads)} files")
            for visit in found.broken:
                print(f"  {visit.status} {visit.url}")
            for visit in found.pages:
                for hit in known.found_in(visit.text or "", english=language == "en"):
                    print(f"  {visit.url}: {hit}")
            context.close()
        browser.close()


if __name__ == "__main__":  # pragma: no cover
    main()

"""The busiest pages of every role hold their layout on a phone (390 px) and a desktop (1280 px),
in Chinese and in English (whose labels are longer), with long names in them.

For each page, width and language the browser itself is asked (``LAYOUT_CHECK``): the page
does not scroll sideways; no text box is wider than the box that holds it, and nothing reaches
past the viewport, unless it lies in a box that scrolls sideways on purpose (a wide table);
every header link is whole on screen; and no bar (a meter, a report's bar) lies over its number.
Every problem of every page is collected and reported at once; a screenshot of each page is an
artefact. The data are set up once, through the services, for all 60-odd page loads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from sscard.applications.tests.support import confirm_all, in_force, notified_collective
from sscard.cards.models import Card
from sscard.cards.services import card_enable
from sscard.core.models import ImportJob
from sscard.delivery.services import card_hand_over, outlet_receive
from sscard.delivery.tests.page_support import applicant, applied_at, overdue_unit, today
from sscard.production.services import batches_form
from sscard.registry.corrections import person_correct
from sscard.registry.models import Person
from sscard.testing.browser import screenshot
from sscard.testing.card_life import (
    OPERATOR,
    clerk_of,
    dispatch,
    factory_round_trip,
    personalise,
)
from sscard.testing.factories import (
    CHAOYANG,
    AccountFactory,
    BankFactory,
    DivisionFactory,
    EmployerFactory,
    ImportJobFactory,
    OutletFactory,
    PersonFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONG_EMPLOYER = "北京市朝阳区新能源汽车与智能网联技术研究及产业化协同创新综合服务中心有限责任公司"
LONG_OUTLET = "中国工商银行股份有限公司北京朝阳区建国门外大街国际贸易中心支行营业部"
LONG_OVERDUE_OUTLET = "中国建设银行股份有限公司北京西城区金融街国际金融中心支行营业部"
LONG_ADDRESS = "北京市朝阳区建国门外大街1号国际贸易中心写字楼一座一层东侧大厅"
LONG_FILE = "北京市朝阳区2024年第三季度新参保人员及灵活就业人员信息（第二批）.csv"
WIDTHS: dict[int, ViewportSize] = {
    390: {"width": 390, "height": 844},
    1280: {"width": 1280, "height": 900},
}
LANGUAGES = ("zh-hans", "en")

# Asked of the page in the browser; answers a list of problems in words (empty: it holds).
LAYOUT_CHECK = """
() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const name = (el) => {
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    const text = el.textContent.trim().replace(/\\s+/g, " ").slice(0, 40);
    return `<${el.tagName.toLowerCase()}${cls}> "${text}"`;
  };
  const scrollsSideways = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === "auto" || x === "scroll") return true;
    }
    return false;
  };
  const shown = (el) => el.checkVisibility({ visibilityProperty: true });
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;

  const wide = document.documentElement.scrollWidth;
  if (wide > window.innerWidth) {
    problems.push(`the page scrolls sideways: ${wide}px in ${window.innerWidth}px`);
  }

  const boxes = "h1,h2,h3,p,li,dt,dd,td,th,label,caption,figcaption,summary,a,button,input,select,"
    + ".tag,.meter,.legend,.count,.stat,.stage,.card,.panel,.notice,.served-head,.card-row,"
    + ".page-head,.hero";
  for (const el of document.querySelectorAll(boxes)) {
    if (!shown(el) || el.closest(".skip")) continue;
    // A cell or a meter must hold its text even in a table that scrolls; anything else may
    // run on inside a box that scrolls sideways on purpose.
    const always = el.matches("td,th,.meter,.legend,label");
    if (!always && scrollsSideways(el)) continue;
    const r = el.getBoundingClientRect();
    if (!scrollsSideways(el) && r.right > vw + 1) {
      problems.push(`${name(el)} reaches ${Math.round(r.right)}px, past the ${vw}px screen`);
    }
    const style = getComputedStyle(el);
    if (!el.matches("input,select") && style.display !== "inline" && style.overflowX === "visible"
        && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`${name(el)} overflows its box: ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
  }
  // A table wider than its box says so above it, and only then.
  for (const wrap of document.querySelectorAll(".table-wrap")) {
    const wide = wrap.scrollWidth > wrap.clientWidth + 1;
    const hint = wrap.previousElementSibling;
    const hinted = !!hint && hint.matches(".scroll-hint") && shown(hint)
      && !!hint.textContent.trim();
    if (wide && !hinted) problems.push(`${name(wrap)} scrolls sideways without its hint`);
    if (!wide && hinted) problems.push(`${name(wrap)} fits, yet says to swipe it`);
  }
  for (const link of document.querySelectorAll(".site-nav a")) {
    const r = link.getBoundingClientRect();
    if (r.left < -1 || r.right > vw + 1) {
      problems.push(`the header link ${name(link)} is cut by the screen's edge`);
    }
  }
  // A bar and the numbers beside it: the text of its row (or meter) must not lie under it.
  const bars = ".meter .track, .hbar, .counts-table .bar, .bar-track";
  for (const bar of document.querySelectorAll(bars)) {
    if (!shown(bar)) continue;
    const holder = bar.closest(".meter, tr, .progress") || bar.parentElement;
    const barBox = bar.getBoundingClientRect();
    const walker = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || bar.contains(node)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const box of range.getClientRects()) {
        if (overlap(box, barBox)) {
          problems.push(`a bar lies over "${node.textContent.trim().slice(0, 30)}"`);
        }
      }
    }
  }
  return problems;
}
"""


@dataclass(frozen=True, slots=True)
class Visit:
    """One page to check: its address, its name in the screenshots, and what to do on it."""

    url: str
    name: str
    then: Callable[[Page], None] | None = None


@dataclass(slots=True)
class World:
    """The accounts to sign in as and the pages each of them opens."""

    visits: dict[str | None, list[Visit]] = field(default_factory=dict)


def _account(username: str, **kwargs: Any) -> None:
    AccountFactory.create(user__username=username, **kwargs)


def _signed_in(context: BrowserContext, base_url: str, username: str) -> None:
    """Give the browser a session of ``username`` (the sign-in form has its own journey)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


def _produce_with_a_defect(day: date, spoiled: Person) -> int:
    """Batch, personalise and make every submitted application; ``spoiled``'s card comes back
    defective and is remade. Answers the first batch's id (the one with the defect)."""
    queue = batches_form(actor=OPERATOR, today=day)
    first = queue[0].pk
    defective = set(Card.objects.filter(person=spoiled).values_list("card_number", flat=True))
    done = []
    while queue:
        batch = queue.pop(0)
        personalise(batch)
        result = factory_round_trip(batch, day=day, defective=defective)
        done.append(batch)
        if result.remake_batch is not None:
            queue.append(result.remake_batch)
    dispatch(done)
    return first


def _charts_drawn(page: Page) -> None:
    """Wait until charts.js has drawn every chart of the page (issue 13)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')]"
        ".every((box) => box.dataset.chartDrawn && box.querySelector('canvas'))"
    )


def _world() -> World:
    """Long names everywhere a page shows one; cards in every stage a page lists."""
    assert len(LONG_EMPLOYER) == 40
    day = today()
    in_force("beijing-2024")
    DivisionFactory.create()
    DivisionFactory.create(code=CHAOYANG, name_zh="朝阳区", name_en="Chaoyang District")
    BankFactory.create()  # ICBC by its names
    BankFactory.create(code="CCB", name_zh="中国建设银行", name_en="China Construction Bank")
    outlet = OutletFactory.create(name=LONG_OUTLET, district=CHAOYANG, address=LONG_ADDRESS)

    # the holder and three neighbours apply at the outlet; one card comes back defective
    holder, holder_id = applicant(name="欧阳娜仁格日勒")
    neighbours = [applicant()[0] for _ in range(3)]
    for person in (holder, *neighbours):
        applied_at(outlet, person)
    batch_id = _produce_with_a_defect(day, neighbours[0])
    clerk = clerk_of(outlet)
    outlet_receive(actor=clerk)
    card = Card.objects.get(person=holder, stage="at_outlet")
    card = card_hand_over(actor=clerk, card=card, id_number=holder_id)
    card_enable(actor=clerk, card=card, today=day)

    # an employer with a 40-character name, its staff listed and half of them confirmed
    employer = EmployerFactory.create(name=LONG_EMPLOYER)
    staff = [
        PersonFactory.create(employer=employer, address=LONG_ADDRESS, name="司马长风")
        for _ in range(8)
    ]
    collective = notified_collective(employer, day=day)
    confirm_all(collective, staff[:4], day)

    # applications overdue at another long-named outlet, waiting for a batch
    overdue_unit(3, bank_code="CCB", name=LONG_OVERDUE_OUTLET)
    ImportJobFactory.create(file_name=LONG_FILE, status=ImportJob.Status.PARTIAL, rows_refused=3)
    ImportJobFactory.create(kind=ImportJob.Kind.OUTLETS)

    _account("layout-officer")
    # a long name corrected by another officer, awaiting approval: the approvals page's row
    maker = AccountFactory.create(user__username="layout-maker")
    person_correct(
        actor=maker.actor(),
        person=holder,
        changes={"name": "欧阳娜仁格日勒·巴特尔"},
        reason="户口簿姓名变更，以公安机关出具的证明为准",
    )
    _account("layout-hr", employer_hr=True, employer=employer)
    _account("layout-clerk", bank_clerk=True, outlet=outlet)
    _account("layout-operator", production_operator=True)
    _account("layout-holder", cardholder=True, person=holder)

    def serve_the_holder(page: Page) -> None:
        page.fill("form[hx-post] input[name=id_number]", holder_id)
        page.locator("form[hx-post] button[type=submit]").click()
        page.locator("#served .card-row").first.wait_for()
        page.locator("#served details.replace summary").first.click()  # the replacement form

    return World(
        visits={
            None: [Visit("/", "visitor-home")],
            "layout-officer": [
                Visit("/persons/", "city-officer-persons"),
                Visit("/reports/overdue/", "city-officer-overdue"),
                Visit("/campaigns/", "city-officer-campaigns"),
                Visit("/reports/statistics/", "city-officer-statistics", _charts_drawn),
                Visit("/reports/funnel/", "city-officer-funnel", _charts_drawn),
                Visit("/imports/", "city-officer-imports"),
                Visit("/outlets/", "city-officer-outlets"),
                Visit("/approvals/", "city-officer-approvals"),
                Visit("/cards/mass-actions/new/", "city-officer-mass-action"),
                Visit("/cards/expiring/", "city-officer-expiring"),
                Visit("/departures/", "city-officer-departures"),
            ],
            "layout-hr": [
                Visit(f"/employers/{employer.pk}/", "employer-hr-staff"),
                Visit(f"/collective/?id={collective.pk}", "employer-hr-collective"),
                Visit("/reports/statistics/", "employer-hr-statistics", _charts_drawn),
            ],
            "layout-clerk": [Visit("/cards/counter/", "bank-clerk-counter", serve_the_holder)],
            "layout-operator": [
                Visit("/production/", "production-operator-batches"),
                Visit(f"/production/batches/{batch_id}/", "production-operator-batch"),
            ],
            "layout-holder": [
                Visit("/me/cards/", "cardholder-cards"),
                Visit("/applications/mine/", "cardholder-applications"),
            ],
        }
    )


def _contexts(browser: Browser, base_url: str, width: int) -> Iterator[BrowserContext]:
    phone = width < 640
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport=WIDTHS[width],
        is_mobile=phone,
        has_touch=phone,
    )
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def _language(context: BrowserContext, base_url: str, language: str) -> None:
    """Choose the language as the switch does: its cookie."""
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])


def test_the_busiest_pages_hold_at_phone_and_desktop_widths_in_both_languages(
    chromium: Browser, live_server: Any
) -> None:
    world = _world()
    problems: list[str] = []
    for width in WIDTHS:
        for username, visits in world.visits.items():
            for context in _contexts(chromium, live_server.url, width):
                if username is not None:
                    _signed_in(context, live_server.url, username)
                page = context.new_page()
                for language in LANGUAGES:
                    _language(context, live_server.url, language)
                    for visit in visits:
                        # "load": the page's scripts (htmx, sscard.js) have run
                        response = page.goto(visit.url)
                        assert response is not None, visit.url
                        assert response.ok, (visit.url, response.status)
                        if visit.then is not None:
                            visit.then(page)
                        expected = "en" if language == "en" else "zh-CN"
                        assert page.locator("html").get_attribute("lang") == expected
                        where = f"{visit.name} {language} {width}px"
                        problems += [f"{where}: {p}" for p in page.evaluate(LAYOUT_CHECK)]
                        screenshot(page, f"layout-{visit.name}-{language}-{width}")
    assert not problems, "\n".join(problems)

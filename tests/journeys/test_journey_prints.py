"""The printable documents in Chromium with print media: the acceptance receipt (受理回执), the
card-ready notice (领卡通知), the collective application form with its roster and a batch's
hand-over sheet (交接单). Each is rendered as the printer would get it, saved as a PNG in
``artifacts/prints/``, and checked: its Chinese (or English) text is there, the site's
navigation, header and footer are not, it fits an A4 page's width, and it is not blank."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat
from playwright.sync_api import Browser, Page

from sscard.applications.models import Application
from sscard.applications.tests.support import beijing_unit, branch, in_force, notified_collective
from sscard.delivery.tests.page_support import in_stock
from sscard.testing.browser import ARTIFACTS, sign_in
from sscard.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "prints-pass-2024"
PRINTS = ARTIFACTS.parent / "prints"
# An A4 sheet (210 mm) at the browser's 96 px per inch.
A4_WIDTH = 794
A4_HEIGHT = 1123


def _account(username: str, **kwargs: Any) -> Any:
    account = AccountFactory.create(user__username=username, **kwargs)
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def _printed(page: Page, url: str, name: str, *, texts: list[str]) -> Path:
    """Open ``url`` as the printer gets it and check the paper; answer its PNG."""
    page.emulate_media(media="screen")
    page.goto(url)
    page.wait_for_load_state("networkidle")
    # on screen the site is around the document: its navigation and the print button
    assert page.locator(".site-nav").first.is_visible()
    assert page.locator("[data-print]").is_visible()
    page.emulate_media(media="print")
    body = page.locator("body").inner_text()
    for text in texts:
        assert text in body, (name, text)
    for chrome in (".site-header", ".site-nav", ".site-footer", ".print-toolbar", ".skip"):
        assert not page.locator(chrome).first.is_visible(), (name, chrome)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= A4_WIDTH, f"{name} overflows an A4 page ({width}px > {A4_WIDTH}px)"
    PRINTS.mkdir(parents=True, exist_ok=True)
    path = PRINTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        grey = image.convert("L")
        low, high = grey.getextrema()
        assert isinstance(low, int)
        assert isinstance(high, int)
        assert high - low > 100, f"{name} is blank"
        assert ImageStat.Stat(grey).stddev[0] > 5, f"{name} is nearly one colour"
    return path


def _paper(chromium: Browser, base_url: str, username: str, *, locale: str = "zh-CN") -> Page:
    context = chromium.new_context(
        base_url=base_url, locale=locale, viewport={"width": A4_WIDTH, "height": A4_HEIGHT}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, username, PASSWORD)
    return page


def test_every_paper_prints_on_a4_without_the_site_around_it(
    chromium: Browser, live_server: Any
) -> None:
    campaign = in_force("beijing-2024")
    outlet = branch("ICBC", name="工商银行朝阳支行", address="朝阳区朝阳路1号")
    holder, _number, card = in_stock(outlet)  # applied, made, dispatched, in stock
    application = Application.objects.get(person=holder)
    batch = card.batch_entry.batch
    employer, _staff = beijing_unit(12, name="北京打印测试有限公司")
    collective = notified_collective(employer)
    _account("print-clerk", bank_clerk=True, outlet=outlet)
    _account("print-holder", cardholder=True, person=holder)
    _account("print-hr", employer_hr=True, employer=employer)
    _account("print-operator", production_operator=True)
    url = live_server.url
    hash_start = campaign.pack_hash[:16]

    clerk = _paper(chromium, url, "print-clerk")
    _printed(
        clerk,
        f"/applications/{application.pk}/receipt/",
        "receipt-counter-zh",
        texts=["受理回执", f"{application.pk:08d}", outlet.name, "12333", hash_start],
    )
    _printed(
        clerk,
        f"/cards/{card.pk}/ready-notice/",
        "card-ready-notice-zh",
        texts=["领卡通知", card.card_number, outlet.name, "朝阳区朝阳路1号"],
    )
    clerk.context.close()

    hr = _paper(chromium, url, "print-hr")
    _printed(
        hr,
        f"/collective/{collective.pk}/form/",
        "collective-form-zh",
        texts=["单位集体申领表", "北京打印测试有限公司", employer.credit_code, "单位盖章"],
    )
    hr.context.close()

    operator = _paper(chromium, url, "print-operator")
    _printed(
        operator,
        f"/production/batches/{batch.pk}/handover/",
        "handover-sheet-zh",
        texts=["交接单", card.card_number, outlet.name, "接收方签字"],
    )
    operator.context.close()

    holder_page = _paper(chromium, url, "print-holder", locale="en-US")
    holder_page.goto("/")
    holder_page.get_by_role("button", name="English").click()
    holder_page.wait_for_load_state("networkidle")
    _printed(
        holder_page,
        f"/applications/{application.pk}/receipt/",
        "receipt-holder-en",
        texts=["Acceptance receipt", f"{application.pk:08d}", "12333"],
    )
    _printed(
        holder_page,
        f"/cards/{card.pk}/ready-notice/",
        "card-ready-notice-en",
        texts=["Card-ready notice", card.card_number, holder.name],
    )
    holder_page.context.close()

"""A visitor reads what each role can do, and an officer signs in (desktop and phone)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sscard.testing.browser import screenshot, sign_in
from sscard.testing.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_home_then_an_officer_signs_in(browser_page: Page) -> None:
    page = browser_page
    account = AccountFactory.create(user__username="officer-journey")
    account.user.set_password("journey-pass-2024")
    account.user.save()

    page.goto("/")
    expect(page.locator("h1").first).to_contain_text("社会保障卡")
    screenshot(page, "sign-in-01-visitor-home")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("body")).to_contain_text("Employer")
    screenshot(page, "sign-in-02-visitor-home-en")

    sign_in(page, "officer-journey", "journey-pass-2024")
    expect(page.locator("body")).to_contain_text("officer-journey")
    screenshot(page, "sign-in-03-officer-home")


def test_the_home_page_fits_a_phone(phone_page: Page) -> None:
    phone_page.goto("/")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(phone_page, "sign-in-04-phone-home")

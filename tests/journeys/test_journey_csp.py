"""The pages keep the Content-Security-Policy (issue 10, 6): a visitor and six roles open every
page their home page links to, and the API's documentation, and the browser reports no
violation at all — no inline script, no eval, no <style> element, nothing from elsewhere.

The policy is enforced in every settings module, so what the browser refuses here it would
refuse in production; each violation is caught twice, by the page's own
``securitypolicyviolation`` event and by Chromium's console ("Refused to …").
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from sscard.applications.tests.support import branch, in_force
from sscard.testing.browser import screenshot, sign_in
from sscard.testing.factories import (
    AccountFactory,
    DivisionFactory,
    EmployerFactory,
    PersonFactory,
    make_id_number,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "journey-pass-2024"
# Runs before any script of the page; Playwright injects it outside the page's policy.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI + " at "
    + e.sourceFile + ":" + e.lineNumber);
});
"""


class Watch:
    """Every CSP violation and script error of a page, with the address it happened on."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text or "Refused to" in text:
            self.found.append(f"{self.page.url}: {text}")

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        assert "content-security-policy" in response.headers, path
        self.page.wait_for_load_state("networkidle")


def _account(username: str, **kwargs: Any) -> Any:
    account = AccountFactory.create(user__username=username, **kwargs)
    account.user.set_password(PASSWORD)
    account.user.save()
    return account


def _linked_pages(page: Page) -> list[str]:
    """The pages the signed-in home page links to (its own server's, by GET)."""
    hrefs = page.eval_on_selector_all(
        "main a[href^='/'], header nav a[href^='/']", "links => links.map(a => a.pathname)"
    )
    return sorted({h for h in hrefs if not h.startswith(("/api/", "/static/", "/admin/"))})


def test_every_roles_pages_keep_the_policy(browser_page: Page) -> None:
    page = browser_page
    watch = Watch(page)
    in_force("beijing-2024")
    DivisionFactory.create()
    employer = EmployerFactory.create()
    id_number = make_id_number(31)
    holder = PersonFactory.create(employer=employer, id_number=id_number)
    outlet = branch("ICBC", name="工商银行朝阳支行")
    accounts: dict[str, dict[str, Any]] = {
        "csp-officer": {},
        "csp-district": {"district_officer": True},
        "csp-hr": {"employer_hr": True, "employer": employer},
        "csp-clerk": {"bank_clerk": True, "outlet": outlet},
        "csp-operator": {"production_operator": True},
        "csp-holder": {"cardholder": True, "person": holder},
    }
    for username, kwargs in accounts.items():
        _account(username, **kwargs)

    # a visitor: the home page in both languages, the sign-in page, the API's documentation
    for path in ("/", "/login/", "/api/v1/docs"):
        watch.visit(path)
    expect(page.locator(".opblock").first).to_be_visible()
    watch.visit("/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state("networkidle")

    visited: list[str] = []
    for username in accounts:
        page.context.clear_cookies()
        sign_in(page, username, PASSWORD)
        expect(page.locator("body")).to_contain_text(username)
        for path in _linked_pages(page):
            watch.visit(path)
            visited.append(f"{username} {path}")
    assert len(visited) >= 12, visited

    # htmx at work under the policy: the clerk's counter lookup, whose form clears the ID
    # number once the person is found (sscard.js, in place of an hx-on attribute)
    page.context.clear_cookies()
    sign_in(page, "csp-clerk", PASSWORD)
    watch.visit(reverse("registry:person_lookup"))
    field = page.locator("input[name=id_number]")
    field.fill(id_number)
    page.get_by_role("button", name="查询").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#lookup")).not_to_be_empty()
    expect(field).to_have_value("")
    screenshot(page, "csp-01-counter-lookup")

    assert watch.found == [], "\n".join(watch.found)

"""An integrator opens the API's documentation on an intranet without internet (issue 9, 8)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Page, Request, expect

from sscard.testing.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_shows_the_operations_from_this_server_alone(
    browser_page: Page, live_server: Any
) -> None:
    page = browser_page
    # given the verify operation's summary, as the OpenAPI document states it
    document = Client().get("/api/v1/openapi.json").json()
    verify = document["paths"]["/api/v1/cards/verify"]["post"]
    summary = verify["summary"]
    elsewhere: list[str] = []

    def note(request: Request) -> None:
        if not request.url.startswith((live_server.url, "data:", "blob:")):
            elsewhere.append(request.url)

    page.on("request", note)
    # when the integrator opens the docs page
    page.goto("/api/v1/docs")
    # then Swagger UI lists the operations, the verify one with its summary
    operation = page.locator(f"#operations-{verify['tags'][0]}-{verify['operationId']}")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("/api/v1/cards/verify")
    expect(page.locator("body")).to_contain_text(summary)
    assert page.locator(".opblock").count() > 20
    screenshot(page, "api-docs-01-operations")
    # and opening the verify operation shows its request body
    operation.locator(".opblock-summary").first.click()
    expect(operation.locator(".opblock-body")).to_contain_text("reader_string")
    screenshot(page, "api-docs-02-verify")
    # and nothing was fetched from another host (no CDN)
    assert elsewhere == []

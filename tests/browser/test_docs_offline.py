"""/docs and /redoc render in chromium with every request off 127.0.0.1 aborted (no internet)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import LiveService
from tests.browser.contexts import browser_page


@pytest.fixture
def offline_page(chromium: Browser) -> Iterator[tuple[Page, list[str]]]:
    """A page whose requests to any host but 127.0.0.1 are aborted; the list of those it tried."""
    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    with browser_page(chromium) as page:
        page.route("**/*", only_loopback)
        yield page, blocked


def test_swagger_ui_lists_the_operations_with_the_network_unplugged(
    offline_page: tuple[Page, list[str]], live_service: LiveService
) -> None:
    page, blocked = offline_page
    page.goto(live_service.url("/docs"))
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    schema = httpx.get(live_service.url("/openapi.json"), timeout=10).json()
    count = sum(len(methods) for methods in schema["paths"].values())
    expect(operations).to_have_count(count)
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/incidents/{incident_id}/ack")
    ).to_be_visible()
    assert blocked == []


def test_redoc_renders_the_reference_with_the_network_unplugged(
    offline_page: tuple[Page, list[str]], live_service: LiveService
) -> None:
    page, blocked = offline_page
    page.goto(live_service.url("/redoc"))
    expect(page.locator("h1", has_text="Observability incident service")).to_be_visible()
    expect(page.get_by_text("/api/v1/webhooks/alertmanager").first).to_be_attached()
    assert blocked == []

"""Signing in to the incident pages in chromium: directly, and by following a link from another site."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveService


def test_signing_in_directly_shows_the_incident_list(
    page: Page, live_service: LiveService, screenshot: Callable[[Page, str], object]
) -> None:
    live_service.fire("fp-direct", alertname="PlatformApiDown")
    page.goto(live_service.url("/incidents/"))
    expect(page.locator("form.login")).to_be_visible()
    live_service.sign_in(page, "viewer")
    expect(page.locator("h1")).to_have_text("Incidents")
    expect(page.locator("table.incidents")).to_contain_text("PlatformApiDown")
    screenshot(page, "incident-list")

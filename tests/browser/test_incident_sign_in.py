"""Signing in to the incident pages in chromium: directly, and by following a link from another site."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveService

Screenshot = Callable[[Page, str], Path]


def link_page(target: str) -> str:
    """A page on another site (a chat, Slack) linking to `target`."""
    return f'<!doctype html><title>chat</title><p><a id="incident-link" href="{target}">the incident</a></p>'


def test_signing_in_directly_shows_the_incident_list(
    page: Page, live_service: LiveService, screenshot: Screenshot
) -> None:
    live_service.fire("fp-direct", alertname="PlatformApiDown")
    page.goto(live_service.url("/incidents/"))
    expect(page.locator("form.login")).to_be_visible()
    live_service.sign_in(page, "viewer")
    expect(page).to_have_url(live_service.url("/incidents/"))
    expect(page.locator("h1")).to_have_text("Incidents")
    expect(page.locator("table.incidents")).to_contain_text("PlatformApiDown")
    expect(page.locator(".who")).to_contain_text("viewer-person")
    screenshot(page, "incident-list")


def test_a_link_from_another_site_opens_the_incident_when_signed_in(
    page: Page, live_service: LiveService, other_origin: Callable[[str], str]
) -> None:
    incident_id = live_service.fire("fp-linked", alertname="PlatformApiDown")
    live_service.sign_in(page, "viewer")
    chat = other_origin(link_page(live_service.url(f"/incidents/{incident_id}")))
    page.goto(chat)
    page.click("#incident-link")
    expect(page).to_have_url(live_service.url(f"/incidents/{incident_id}"))
    expect(page.locator("h1")).to_contain_text(f"#{incident_id}")
    expect(page.locator("form.login")).to_have_count(0)


def test_signing_in_from_a_link_returns_to_that_link(
    page: Page, live_service: LiveService, other_origin: Callable[[str], str]
) -> None:
    incident_id = live_service.fire("fp-return", alertname="PlatformApiDown")
    target = live_service.url(f"/incidents/{incident_id}?from=chat")
    page.goto(other_origin(link_page(target)))
    page.click("#incident-link")
    expect(page.locator("form.login")).to_be_visible()
    page.fill("input[name=token]", live_service.tokens["responder"])
    page.click("form.login button[type=submit]")
    expect(page).to_have_url(target)
    expect(page.locator("h1")).to_contain_text(f"#{incident_id}")
    expect(page.get_by_role("button", name="Acknowledge")).to_be_visible()


def test_signing_out_ends_the_session(page: Page, live_service: LiveService) -> None:
    live_service.sign_in(page, "viewer")
    expect(page.locator("h1")).to_have_text("Incidents")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("form.login")).to_be_visible()
    page.goto(live_service.url("/incidents/"))
    expect(page.locator("form.login")).to_be_visible()

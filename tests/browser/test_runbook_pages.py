"""Runbook pages in chromium: a firing incident on its runbook, every generated runbook_url, search."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from playwright.sync_api import Browser, Page, expect

from observability.runbooks import load_runbooks
from tests.browser.conftest import REPO_ROOT, LiveService
from tests.browser.contexts import browser_page

RUNBOOKS = load_runbooks(REPO_ROOT / "runbooks")


def generated_runbook_urls() -> list[tuple[str, str]]:
    """(alert name, runbook_url) of every alerting rule in alerts/generated/."""
    found = []
    for path in sorted(Path(REPO_ROOT / "alerts" / "generated").glob("*.rules.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    found.append((rule["alert"], rule["annotations"]["runbook_url"]))
    return found


def test_a_runbook_page_shows_the_incident_firing_now_and_links_to_it(
    chromium: Browser, live_service: LiveService, screenshot: Callable[[Page, str], object]
) -> None:
    incident_id = live_service.fire(
        "fp-runbook", alertname="PlatformApiDown", annotations={"summary": "API down on api-7"}
    )
    with browser_page(chromium, live_service.tokens["viewer"]) as page:
        page.goto(live_service.url("/runbooks/api-down"))
        firing = page.locator(f'ul.firing li[data-incident="{incident_id}"]')
        expect(firing).to_contain_text(f"#{incident_id} API down on api-7")
        expect(firing).to_contain_text("1 alert firing: PlatformApiDown")
        expect(page.locator(f'table.recent-incidents tr[data-incident="{incident_id}"] td.ttr')).to_have_text(
            "open"
        )
        screenshot(page, "runbook")
        firing.locator("a").click()
        expect(page).to_have_url(live_service.url(f"/incidents/{incident_id}"))
        expect(page.locator("h1")).to_contain_text("API down on api-7")
        # A runbook of other alerts shows nothing firing.
        page.goto(live_service.url("/runbooks/postgres-locks"))
        expect(page.locator("section.live")).to_contain_text("No incident is firing for these alerts.")
    with browser_page(chromium) as anonymous:
        anonymous.goto(live_service.url("/runbooks/api-down"))
        expect(anonymous.locator("section.live")).to_contain_text("Sign in to see what is firing now")
        expect(anonymous.locator("ul.firing")).to_have_count(0)
        expect(anonymous.locator("h2#meaning")).to_be_visible()


def test_every_generated_runbook_url_opens_the_runbook_of_its_alert(
    chromium: Browser, live_service: LiveService
) -> None:
    urls = generated_runbook_urls()
    assert len({alert for alert, _ in urls}) >= 30
    with browser_page(chromium) as page:
        for alert, url in urls:
            slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
            assert urlsplit(url).path.endswith(f"/runbooks/{slug}"), url
            response = page.goto(live_service.url(f"/runbooks/{slug}"))
            assert response is not None and response.status == 200, (alert, url)
            expect(page.locator("h1")).to_have_text(RUNBOOKS[slug].title)
            alerts = page.locator("header.runbook dl.facts dd").nth(3)
            expect(alerts.locator("code", has_text=alert)).to_have_count(1)


def test_searching_from_the_header_works_without_javascript(
    chromium: Browser, live_service: LiveService
) -> None:
    with browser_page(chromium, java_script_enabled=False) as page:
        page.goto(live_service.url("/runbooks/"))
        page.fill("header.site input[type=search]", "replication lag")
        page.press("header.site input[type=search]", "Enter")
        expect(page.locator("h1")).to_have_text("Search runbooks")
        first = page.locator("ol.search-hits li").first
        expect(first).to_have_attribute("data-slug", "postgres-replication")
        first.locator("a").click()
        expect(page).to_have_url(live_service.url("/runbooks/postgres-replication"))

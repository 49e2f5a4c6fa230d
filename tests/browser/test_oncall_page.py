"""The on-call page in chromium: the same roster as `obs oncall`, local times by script, usable without it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import REPO_ROOT, LiveService
from tests.browser.contexts import browser_page


def cli_roster(at: str) -> tuple[str, list[tuple[str, ...]]]:
    """`obs oncall --at AT --tz UTC` as (its first line, rows of ROTATION, ON CALL, SINCE, UNTIL, NEXT)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "observability.cli",
            "oncall",
            "--at",
            at,
            "--tz",
            "UTC",
            "--matrix",
            str(REPO_ROOT / "incident"),
        ],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    first, header, *lines = result.stdout.splitlines()
    assert header.split() == ["ROTATION", "ON", "CALL", "SINCE", "UNTIL", "NEXT"]
    return first, [tuple(re.split(r"\s{2,}", line.strip())) for line in lines]


def page_roster(page: Page) -> list[tuple[str, ...]]:
    """The page's rotation rows in the CLI's columns."""
    rows = []
    for row in page.locator("table.oncall tbody tr").all():
        person = row.locator(".person-name").inner_text()
        if row.locator(".override").count():
            person += " (override)"
        rows.append(
            (
                row.locator(".rotation-id").inner_text(),
                person,
                row.locator("td.since time").inner_text(),
                row.locator("td.until time").inner_text(),
                row.locator(".next-id").inner_text(),
            )
        )
    return rows


@pytest.mark.parametrize("asked", ["", "2026-12-25T11:00Z"], ids=["now", "christmas-override"])
def test_the_oncall_page_shows_what_obs_oncall_prints_for_the_same_instant(
    chromium: Browser, live_service: LiveService, screenshot: Callable[[Page, str], object], asked: str
) -> None:
    with browser_page(chromium, live_service.tokens["viewer"]) as page:
        page.goto(live_service.url("/oncall/" + (f"?at={asked}" if asked else "")))
        expect(page.locator("h1")).to_have_text("On call")
        instant = page.locator("#oncall-at time").get_attribute("datetime")
        assert instant is not None
        first, expected = cli_roster(instant)
        assert first == f"on call at {page.locator('#oncall-at time').inner_text()}"
        shown = page_roster(page)
        assert shown == expected
        assert len(shown) >= 5
        if asked:
            assert "(override)" in shown[0][1]
            screenshot(page, "oncall")


def test_the_script_adds_the_viewers_own_time_zone_and_the_page_reads_without_it(
    chromium: Browser, live_service: LiveService
) -> None:
    token = live_service.tokens["viewer"]
    url = live_service.url("/oncall/?at=2026-12-25T11:00Z")
    with browser_page(chromium, token, timezone_id="America/Los_Angeles", locale="en-US") as page:
        page.goto(url)
        since = page.locator('tr[data-rotation="sre-follow-the-sun"] td.since')
        expect(since.locator("time")).to_have_text("2026-12-25 07:00 UTC")
        expect(since.locator(".zone")).to_have_text("2026-12-25 08:00 CET")
        expect(since.locator(".local-time")).to_contain_text("PST")
        expect(since.locator(".local-time")).to_contain_text("23:00")
        expect(page.locator("[data-viewer-zone]")).to_have_text("America/Los_Angeles")
    with browser_page(chromium, token, java_script_enabled=False) as page:
        page.goto(url)
        expect(page.locator(".local-time")).to_have_count(0)
        expect(page.locator('tr[data-rotation="sre-follow-the-sun"] td.since time')).to_have_text(
            "2026-12-25 07:00 UTC"
        )
        # The form works without script: another severity's policies.
        page.select_option("#severity", "warning")
        page.click("form.oncall-at button[type=submit]")
        expect(page.locator("#policies")).to_have_text("If a warning incident opened now")
        assert "severity=warning" in page.url


def test_each_policy_lists_who_is_paged_when_if_it_fires_now(
    chromium: Browser, live_service: LiveService
) -> None:
    with browser_page(chromium, live_service.tokens["viewer"]) as page:
        page.goto(live_service.url("/oncall/?at=2026-12-25T11:00Z"))
        plan = page.locator('[data-policy="platform-critical"] table.plan tbody tr')
        expect(plan.first).to_contain_text("+0s")
        expect(plan.first).to_contain_text("Ben Okafor (rotation:platform-primary)")
        expect(plan.first).to_contain_text("#inc-platform")
        expect(plan.nth(1)).to_contain_text("+10m")


def test_without_a_token_the_oncall_page_offers_to_sign_in(
    chromium: Browser, live_service: LiveService
) -> None:
    with browser_page(chromium) as page:
        response = page.goto(live_service.url("/oncall/"))
        assert response is not None and response.status == 401
        expect(page.locator("h1")).to_have_text("Sign in to see the on-call page")
        expect(page.locator("table.oncall")).to_have_count(0)


def test_signing_in_from_the_oncall_page_returns_to_it_and_runbooks_then_show_the_moment(
    page: Page, live_service: LiveService
) -> None:
    incident_id = live_service.fire("fp-session", alertname="PlatformApiDown")
    page.goto(live_service.url("/oncall/"))
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.fill("input[name=token]", live_service.tokens["viewer"])
    page.click("form.login button[type=submit]")
    expect(page).to_have_url(live_service.url("/oncall/"))
    expect(page.locator("table.oncall tbody tr")).to_have_count(5)
    # The same browser session (its cookie, no header) opens a runbook with what fires now.
    page.goto(live_service.url("/runbooks/api-down"))
    expect(page.locator(f'ul.firing li[data-incident="{incident_id}"]')).to_be_visible()

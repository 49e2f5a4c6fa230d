"""Acting on an incident from its page in chromium: acknowledge, resolve, notes shown as text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveService

Screenshot = Callable[[Page, str], Path]
SCRIPT_NOTE = "<script>window.__pwned = 1</script> rolled back <b>v42</b>"


def test_acknowledging_and_resolving_from_the_page_show_on_the_page(
    page: Page, live_service: LiveService, screenshot: Screenshot
) -> None:
    incident_id = live_service.fire(
        "fp-act",
        alertname="PlatformApiDown",
        annotations={"summary": "API answers 5xx", "description": "More than 5% of requests fail."},
    )
    live_service.sign_in(page, "responder", f"/incidents/{incident_id}")
    state = page.locator("#state")
    expect(state).to_contain_text("triggered")
    expect(page.locator(".describe-description")).to_have_text("More than 5% of requests fail.")
    screenshot(page, "incident")

    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".flash-done")).to_have_text(f"Acknowledged incident {incident_id}.")
    expect(state).to_contain_text("acknowledged")
    expect(page.locator(".acked-by")).to_have_text("responder-person")
    expect(page.get_by_role("button", name="Acknowledge")).to_have_count(0)

    page.fill("input[name=note]", "restarted the API pods")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash-done")).to_have_text(f"Resolved incident {incident_id}.")
    expect(state).to_contain_text("resolved")
    expect(page.locator(".resolved-by")).to_have_text("responder-person")
    newest = page.locator("ol.timeline li").first
    expect(newest).to_contain_text("resolved by responder-person")
    expect(page.locator("ol.timeline li.event-note")).to_contain_text("restarted the API pods")
    assert live_service.api("GET", f"/api/v1/incidents/{incident_id}").json()["status"] == "resolved"


def test_a_note_with_a_script_is_shown_as_text(page: Page, live_service: LiveService) -> None:
    incident_id = live_service.fire("fp-note", alertname="PlatformApiDown")
    live_service.sign_in(page, "responder", f"/incidents/{incident_id}")
    page.fill("textarea[name=text]", SCRIPT_NOTE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".flash-done")).to_have_text("Note added.")
    note = page.locator("ol.timeline li.event-note .message")
    expect(note).to_have_text(SCRIPT_NOTE)
    expect(note.locator("script")).to_have_count(0)
    expect(note.locator("b")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_a_viewer_sees_no_actions_and_the_list_shows_who_acknowledged(
    page: Page, live_service: LiveService, screenshot: Screenshot
) -> None:
    acked = live_service.fire("fp-acked", alertname="PlatformApiDown")
    live_service.fire("fp-open", alertname="PlatformApiLatencyHigh", severity="warning")
    assert live_service.api("POST", f"/api/v1/incidents/{acked}/ack", role="responder").status_code == 200
    live_service.sign_in(page, "viewer", f"/incidents/{acked}")
    expect(page.locator("h1")).to_contain_text(f"#{acked}")
    expect(page.locator("section.actions")).to_have_count(0)
    page.goto(live_service.url("/incidents/"))
    row = page.locator(f"tr:has(a[href='{acked}'])")
    expect(row).to_contain_text("responder-person")
    page.select_option("select[name=severity]", "warning")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.incidents tbody tr")).to_have_count(1)
    expect(page.locator("table.incidents")).to_contain_text("PlatformApiLatencyHigh")
    screenshot(page, "incident-list-filtered")

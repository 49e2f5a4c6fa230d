"""GET /oncall/: the roster as `obs oncall` computes it, overrides, policy simulations, auth, bad input."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from observability.escalation.durations import format_duration
from observability.escalation.loading import load_matrix
from observability.escalation.oncall import roster
from observability.escalation.plan import simulate
from tests.site.conftest import REPO_ROOT, VIEWER

MATRIX = load_matrix(REPO_ROOT / "incident")
CHRISTMAS = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)


def rows(page: str) -> dict[str, str]:
    """The HTML of each rotation's table row, by rotation id."""
    return {m[1]: m[2] for m in re.finditer(r'<tr data-rotation="([^"]+)">(.*?)</tr>', page, re.S)}


def test_the_page_needs_a_viewer_token(client: TestClient) -> None:
    response = client.get("/oncall/")
    assert response.status_code == 401
    assert "Sign in to see the on-call page" in response.text
    assert '<a href="../incidents/login?next=/oncall/">Sign in</a>' in response.text
    assert "Slack" not in response.text


def test_every_rotation_shows_who_is_on_call_since_until_and_next_as_the_roster_says(
    client: TestClient,
) -> None:
    response = client.get("/oncall/", params={"at": "2026-12-25T11:00Z"}, headers=VIEWER)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    found = rows(response.text)
    entries = roster(MATRIX, CHRISTMAS)
    assert list(found) == [entry.rotation.id for entry in entries]
    for entry in entries:
        row, person = found[entry.rotation.id], MATRIX.people[entry.shift.person]
        assert f'<span class="person-name">{person.name} ({person.id})</span>' in row
        assert ("override" in row) is entry.shift.override
        since = entry.shift.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        until = entry.shift.end.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert f'<time datetime="{since}">{entry.shift.start:%Y-%m-%d %H:%M} UTC</time>' in row
        assert f'<time datetime="{until}">{entry.shift.end:%Y-%m-%d %H:%M} UTC</time>' in row
        local = entry.shift.end.astimezone(entry.rotation.zone).strftime("%Y-%m-%d %H:%M %Z")
        assert f'<span class="zone">{local}</span>' in row
        assert f'<span class="next-id">{entry.next_person}</span>' in row


def test_the_christmas_override_is_marked_and_listed_with_its_note(client: TestClient) -> None:
    page = client.get("/oncall/", params={"at": "2026-12-25T11:00Z"}, headers=VIEWER).text
    assert "override" in rows(page)["platform-primary"]
    overrides = page[page.index('<h3 id="overrides">') : page.index('<h2 id="policies">')]
    assert "Ben Okafor (ben) from" in overrides and "chloe off over Christmas" in overrides
    assert '<span class="zone">2026-12-24 09:00 CET</span>' in overrides
    # Once it has ended it is no longer listed.
    later = client.get("/oncall/", params={"at": "2026-12-29T00:00Z"}, headers=VIEWER).text
    assert "chloe off over Christmas" not in later


def test_each_policy_shows_the_simulators_pages_for_an_incident_opened_at_that_instant(
    client: TestClient,
) -> None:
    page = client.get("/oncall/", params={"at": "2026-12-25T11:00Z"}, headers=VIEWER).text
    section = page[page.index('<div class="policy" data-policy="platform-critical">') :]
    section = section[: section.index("</div>")]
    assert "for api, worker, dependencies" in section
    simulation = simulate(MATRIX, {"service": "api", "severity": "critical"}, CHRISTMAS)
    plan_rows = re.findall(
        r"<tr>\s*<td>\+(.*?)</td>.*?<time datetime=\"(.*?)\".*?<td>(step .*?)</td>\s*<td>(.*?)</td>",
        section,
        re.S,
    )
    assert len(plan_rows) == len(simulation.fired) > 0
    for (after, due, label, pages), fired in zip(plan_rows, simulation.fired, strict=True):
        assert after == format_duration(fired.step.due_at - CHRISTMAS)
        assert due == fired.step.due_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert label == fired.step.label(simulation.policy)
        for page_ in fired.pages:
            assert page_.name in pages
    # Christmas: the override holder is the one the first step pages.
    assert 'Ben Okafor <span class="muted">(rotation:platform-primary)</span>' in plan_rows[0][3]


def test_the_severity_choice_switches_the_policies(client: TestClient) -> None:
    page = client.get(
        "/oncall/", params={"at": "2026-12-25T11:00Z", "severity": "warning"}, headers=VIEWER
    ).text
    shown = re.findall(r'<div class="policy" data-policy="([^"]+)">', page)
    expected = {
        MATRIX.policy_for({"service": s, "severity": "warning"}).id for s in ("api", "postgres", "node")
    }
    assert expected <= set(shown)
    assert "platform-critical" not in shown


def test_without_at_the_page_uses_the_apps_clock(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client()
    client.app.state.clock = lambda: CHRISTMAS
    page = client.get("/oncall/", headers=VIEWER).text
    assert '<p class="muted" id="oncall-at">At <time datetime="2026-12-25T11:00:00Z">' in page


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("2026-02-30T10:00Z", "is not an ISO 8601 time"),  # the page's own check: an HTML page
        ("tomorrow", "at: String should match pattern"),  # the schema's pattern, named by the app's 422
        ("9999-12-31T23:59-05:00", "at: String should match pattern"),
        ("0001-01-01T00:00Z", "at: String should match pattern"),
    ],
)
def test_a_bad_instant_is_a_422_naming_it(client: TestClient, at: str, message: str) -> None:
    response = client.get("/oncall/", params={"at": at}, headers=VIEWER)
    assert response.status_code == 422
    assert message in response.text and "at" in response.text


def test_an_unknown_severity_is_a_422(client: TestClient) -> None:
    response = client.get("/oncall/", params={"severity": "fatal"}, headers=VIEWER)
    assert response.status_code == 422
    assert "severity" in response.text


def test_the_page_loads_only_the_sites_own_script_and_times_read_without_it(client: TestClient) -> None:
    response = client.get("/oncall/", params={"at": "2026-12-25T11:00Z"}, headers=VIEWER)
    assert re.findall(r"<script[^>]*>", response.text) == [
        '<script src="../runbooks/static/local-time.js" defer>'
    ]
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    script = client.get("/runbooks/static/local-time.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "time[datetime]" in script.text


def test_repeats_beyond_the_first_cycle_are_collapsed(client: TestClient) -> None:
    page = client.get("/oncall/", params={"at": "2026-12-25T11:00Z"}, headers=VIEWER).text
    section = page[page.index('<div class="policy" data-policy="platform-critical">') :]
    section = section[: section.index("</div>")]
    first, _, later = section.partition('<details class="more-cycles">')
    assert first.count("cycle 1/3") == 3 and "cycle 2/3" not in first
    assert later.count("cycle 2/3") == 3 and later.count("cycle 3/3") == 3
    assert "6 more steps until" in later

"""GET /runbooks/search and the index by service and severity: server-side, no JavaScript needed."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from observability.runbooks import load_runbooks
from observability.site.search import search_runbooks
from tests.site.conftest import REPO_ROOT, without_own_script

RUNBOOKS = load_runbooks(REPO_ROOT / "runbooks")


def hits(page: str) -> list[str]:
    return re.findall(r'<li data-slug="([^"]+)">', page)


def test_an_alert_name_finds_its_runbook_first(client: TestClient) -> None:
    for slug, runbook in RUNBOOKS.items():
        for name in runbook.alerts:
            found = hits(client.get("/runbooks/search", params={"q": name}).text)
            assert found and found[0] == slug, (name, found)


def test_every_word_must_match(client: TestClient) -> None:
    both = set(hits(client.get("/runbooks/search", params={"q": "postgres replica"}).text))
    assert "postgres-replication" in both
    for slug in both:
        text = " ".join([RUNBOOKS[slug].title, RUNBOOKS[slug].body, RUNBOOKS[slug].service]).lower()
        assert "postgres" in text and "replica" in text, slug
    assert hits(client.get("/runbooks/search", params={"q": "postgres qwertyuiop"}).text) == []


def test_results_link_to_runbooks_with_a_snippet_of_the_text(client: TestClient) -> None:
    page = client.get("/runbooks/search", params={"q": "pg_stat_activity"}).text
    assert "runbooks match every word of <q>pg_stat_activity</q>" in page or "runbook matches" in page
    first = page[page.index('<ol class="search-hits">') :].split("</li>")[0]
    assert re.search(r'<a href="[a-z0-9-]+">', first)
    assert "pg_stat_activity" in first[first.index('class="snippet"') :]


def test_the_query_is_escaped_and_an_overlong_one_is_a_422(client: TestClient) -> None:
    page = client.get("/runbooks/search", params={"q": "<script>alert(1)</script>"}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script" not in without_own_script(page)
    response = client.get("/runbooks/search", params={"q": "x" * 201})
    assert response.status_code == 422 and "q" in response.text


def test_an_empty_query_shows_the_form_and_every_page_has_the_search_box(client: TestClient) -> None:
    page = client.get("/runbooks/search").text
    assert '<input id="q" type="search" name="q" value=""' in page and "search-hits" not in page
    assert (
        '<form class="search" method="get" action="search" role="search">'
        in client.get("/runbooks/api-down").text
    )


def test_search_ranks_title_matches_above_body_mentions() -> None:
    ranked = [hit.runbook.slug for hit in search_runbooks(RUNBOOKS, "latency")]
    assert set(ranked[:3]) >= {"api-latency", "dependency-latency"} or ranked[0] in (
        "api-latency",
        "dependency-latency",
    )
    assert len(ranked) > 2  # mentioned in other runbooks' text too


def test_the_index_has_a_grid_by_service_and_severity_listing_every_runbook_once(client: TestClient) -> None:
    page = client.get("/runbooks/").text
    grid = page[
        page.index('<table class="runbook-grid">') : page.index(
            "</table>", page.index('<table class="runbook-grid">')
        )
    ]
    placed: list[str] = []
    for service, row in re.findall(r'<tr data-service="([^"]*)">(.*?)</tr>', grid, re.S):
        for severity, cell in re.findall(r'<td data-severity="([^"]+)">(.*?)</td>', row, re.S):
            for slug in re.findall(r'<a href="([a-z0-9-]+)">', cell):
                assert (RUNBOOKS[slug].service, RUNBOOKS[slug].severity) == (service, severity), slug
                placed.append(slug)
    assert sorted(placed) == sorted(RUNBOOKS)

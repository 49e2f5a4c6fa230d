"""GET /runbooks/…: every runbook page, the index table, 404s, traversal, escaping, the stylesheet."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from markupsafe import escape

from observability.runbooks import load_runbooks
from observability.runbooks.model import RESERVED_SLUGS
from observability.web import runbooks_site
from tests.site.conftest import REPO_ROOT, SECTION_IDS, without_own_script

RUNBOOKS = load_runbooks(REPO_ROOT / "runbooks")


def test_the_repository_has_runbooks_to_serve() -> None:
    assert len(RUNBOOKS) >= 20


def test_every_runbook_page_has_its_title_front_matter_and_five_sections(client: TestClient) -> None:
    for slug, runbook in RUNBOOKS.items():
        response = client.get(f"/runbooks/{slug}")
        assert response.status_code == 200, slug
        assert response.headers["content-type"].startswith("text/html")
        page = response.text
        assert f"<h1>{escape(runbook.title)}</h1>" in page, slug
        positions = [page.find(f'<h2 id="{section}">') for section in SECTION_IDS]
        assert -1 not in positions and positions == sorted(positions), (slug, positions)
        assert f"<dt>Service</dt><dd>{runbook.service}</dd>" in page
        assert f"badge severity-{runbook.severity}" in page
        assert f"<dt>Team</dt><dd>{runbook.team}</dd>" in page
        for alert in runbook.alerts:
            assert f"<code>{alert}</code>" in page, (slug, alert)
        for uid in runbook.dashboards:
            # settings.grafana_url has a trailing slash: it is not doubled.
            assert f'href="http://grafana.example:3000/d/{uid}"' in page, (slug, uid)
        assert "fails its checks" not in page, slug


def test_the_index_renders_index_md_and_lists_every_runbook_by_service(client: TestClient) -> None:
    response = client.get("/runbooks/")
    assert response.status_code == 200
    page = response.text
    assert '<h1 id="on-call-runbooks">On-call runbooks</h1>' in page
    table = page[page.index('<h3 id="service-') :]  # the per-service tables, after the grid
    for slug, runbook in RUNBOOKS.items():
        row = table[table.index(f'<a href="{slug}">') :].split("</tr>")[0]
        assert escape(runbook.title) in row, slug
        assert f"severity-{runbook.severity}" in row, slug
        assert all(f"<code>{alert}</code>" in row for alert in runbook.alerts), slug
    assert '<h3 id="service-api">' in table and '<h3 id="service-postgres">' in table


def test_links_between_runbooks_use_the_site_paths(client: TestClient) -> None:
    page = client.get("/runbooks/api-down").text
    assert 'href="static/style.css"' in page
    assert 'href="./#all-runbooks"' in page and 'href="../incidents/"' in page
    assert ".md" not in "".join(part.split('"')[0] for part in page.split('href="')[1:])


def test_the_stylesheet_is_served_as_css_without_external_assets(client: TestClient) -> None:
    response = client.get("/runbooks/static/style.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "prefers-color-scheme: dark" in response.text
    assert "url(" not in response.text and "@import" not in response.text


def test_an_unknown_slug_is_an_html_404(client: TestClient) -> None:
    response = client.get("/runbooks/no-such-runbook")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "There is no runbook &#39;no-such-runbook&#39;." in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/runbooks/../../etc/passwd",
        "/runbooks/..%2F..%2Fetc%2Fpasswd",
        "/runbooks/%2e%2e%2fpyproject",
        "/runbooks/..%5C..%5Cpyproject.toml",
        "/runbooks/index",
        "/runbooks/api-down.md",
        "/runbooks/API-DOWN",
        "/runbooks/api-down%00",
        "/runbooks/static/../../pyproject.toml",
        "/runbooks/static/style.css%2F..%2F..%2Fpyproject.toml",
        "/runbooks/" + "a" * 5000,
        "/runbooks/%ff%fe",
    ],
)
def test_traversal_attempts_are_refused_without_a_500(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (404, 422), (path, response.status_code)
    assert "[build-system]" not in response.text and "root:" not in response.text


def runbook_file(title: str, body: str) -> str:
    return (
        f"---\ntitle: {title}\nalerts: [PlatformApiDown]\nservice: api\nseverity: critical\n"
        f"team: platform\ndashboards: [obs-api]\n---\n{body}"
    )


LATER_SECTIONS = ("Impact", "Diagnosis", "Mitigation", "Escalation")
FIVE_SECTIONS = "## Meaning\n\nText.\n\n" + "".join(f"## {name}\n\nText.\n\n" for name in LATER_SECTIONS)


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    """A content root whose runbook and index carry raw HTML in every place text goes."""
    folder = tmp_path / "content" / "runbooks"
    folder.mkdir(parents=True)
    body = (
        '## Meaning\n\n<script>alert("body")</script>\n\n<img src=x onerror=alert(1)>\n\n'
        "[click](javascript:alert(2))\n\n" + "".join(f"## {name}\n\nText.\n\n" for name in LATER_SECTIONS)
    )
    (folder / "evil.md").write_text(runbook_file("\"<script>alert('title')</script>\"", body))
    (folder / "index.md").write_text("# Index\n\n<iframe src=//evil.example></iframe>\n")
    return folder.parent


def test_raw_html_in_runbooks_and_the_index_is_escaped(
    make_client: Callable[..., TestClient], hostile_root: Path
) -> None:
    client = make_client(content_root=hostile_root)
    for path in ("/runbooks/evil", "/runbooks/"):
        page = without_own_script(client.get(path).text)
        assert "<script" not in page and "<img" not in page and "<iframe" not in page, path
        assert 'href="javascript' not in page, path
    page = client.get("/runbooks/evil").text
    assert "<h1>&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;</h1>" in page
    assert "&lt;script&gt;alert(&quot;body&quot;)&lt;/script&gt;" in page
    assert "&lt;iframe src=//evil.example&gt;&lt;/iframe&gt;" in client.get("/runbooks/").text


def test_a_broken_runbook_is_served_with_its_problems(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    folder = tmp_path / "content" / "runbooks"
    folder.mkdir(parents=True)
    (folder / "half.md").write_text(runbook_file("Half", "## Meaning\n\nOnly this.\n"))
    page = make_client(content_root=folder.parent).get("/runbooks/half").text
    assert "fails its checks" in page
    assert "runbooks/half.md: missing section `## Impact`" in page


def test_runbooks_are_read_once_at_start_not_per_request(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    root = tmp_path / "content"
    shutil.copytree(REPO_ROOT / "runbooks", root / "runbooks")
    client = make_client(content_root=root)
    (root / "runbooks" / "api-down.md").unlink()
    (root / "runbooks" / "api-errors.md").write_text(runbook_file("Edited after start", FIVE_SECTIONS))
    assert client.get("/runbooks/api-down").status_code == 200
    assert "Edited after start" not in client.get("/runbooks/api-errors").text


def test_without_a_runbooks_folder_the_site_is_empty_not_broken(
    make_client: Callable[..., TestClient], tmp_path: Path
) -> None:
    client = make_client(content_root=tmp_path)
    assert client.get("/runbooks/").status_code == 200
    assert client.get("/runbooks/api-down").status_code == 404


def test_runbook_pages_are_public_and_run_only_the_sites_own_script(client: TestClient) -> None:
    # No Authorization header: the site holds only what the repository holds.
    response = client.get("/runbooks/api-down")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "style-src 'self'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert re.findall(r"<script[^>]*>", response.text) == ['<script src="static/local-time.js" defer>']
    assert "style=" not in response.text


def test_every_fixed_runbook_site_path_is_a_reserved_slug(client: TestClient) -> None:
    """A route under /runbooks/ with a fixed first segment shadows a runbook of that slug."""
    first_segments = {
        route.path.removeprefix("/runbooks/").split("/")[0]
        for route in runbooks_site.router.routes
        if isinstance(route, APIRoute)
    }
    fixed = {segment for segment in first_segments if segment and "{" not in segment}
    assert fixed == set(RESERVED_SLUGS)
    assert "<h1>Search runbooks</h1>" in client.get("/runbooks/search").text

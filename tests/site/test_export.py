"""`obs runbooks export DIR`: one file per runbook, every internal link resolves, same pages as served."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from observability.cli import main
from observability.runbooks import load_runbooks
from tests.site.conftest import REPO_ROOT

RUNBOOKS = load_runbooks(REPO_ROOT / "runbooks")


class PageLinks(HTMLParser):
    """The href/src targets and the element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.targets.append(value)
            elif name == "id" and value:
                self.ids.add(value)


def parse(path: Path) -> PageLinks:
    page = PageLinks()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "site"
    code = main(
        [
            "runbooks",
            "export",
            str(folder),
            "--public-url",
            "https://obs.example",
            "--grafana-url",
            "https://g.example",
        ]
    )
    assert code == 0
    return folder


def test_export_writes_the_index_the_stylesheet_and_one_page_per_runbook(exported: Path) -> None:
    expected = {"index.html", "style.css"} | {f"{slug}.html" for slug in RUNBOOKS}
    assert {path.name for path in exported.iterdir()} == expected
    for slug, runbook in RUNBOOKS.items():
        assert f"<title>{escape(runbook.title)} · On-call</title>" in (exported / f"{slug}.html").read_text()


def test_every_internal_link_of_the_export_resolves_to_a_file_and_anchor(exported: Path) -> None:
    pages = {path.resolve(): parse(path) for path in sorted(exported.glob("*.html"))}
    checked = 0
    for page_path, page in pages.items():
        for target in page.targets:
            parts = urlsplit(target)
            if parts.scheme in ("http", "https"):
                continue
            assert not parts.scheme and not parts.netloc and not target.startswith("/"), (
                page_path.name,
                target,
            )
            file = (page_path.parent / unquote(parts.path)).resolve() if parts.path else page_path
            assert file.is_file(), (page_path.name, target)
            if parts.fragment and file.suffix == ".html":
                assert parts.fragment in pages[file].ids, (page_path.name, target)
            checked += 1
    assert checked > 10 * len(RUNBOOKS)  # header, table of contents, cross links: all looked at


def test_exported_external_links_point_at_grafana_and_the_live_service(exported: Path) -> None:
    page = (exported / "api-down.html").read_text()
    assert 'href="https://g.example/d/obs-api"' in page
    assert 'href="https://obs.example/incidents/"' in page


_HREF = re.compile(r'(href|src|action)="[^"]*"')


def _content(page: str) -> str:
    """A page's runbook header and body (what the export shares with the service), links blanked."""
    start = page.index("<main>")
    end = page.index("</article>") + len("</article>")
    return _HREF.sub("", page[start:end])


def test_the_export_and_the_service_build_the_same_pages(exported: Path, client: TestClient) -> None:
    # Apart from where links point (and Grafana's base URL), the runbook is byte for byte the served one.
    for slug in ("api-down", "postgres-locks", "slo-api-availability"):
        served = client.get(f"/runbooks/{slug}").text
        assert _content(served) == _content((exported / f"{slug}.html").read_text()), slug
    served_index = client.get("/runbooks/").text
    assert _content(served_index) == _content((exported / "index.html").read_text())


def test_exporting_again_rewrites_nothing(exported: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "runbooks",
        "export",
        str(exported),
        "--public-url",
        "https://obs.example",
        "--grafana-url",
        "https://g.example",
    ]
    assert main(args) == 0
    assert "(0 files written)" in capsys.readouterr().out


def test_export_refuses_a_content_root_without_runbooks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["runbooks", "export", str(tmp_path / "out"), "--content-root", str(tmp_path)]) == 2
    assert f"no runbooks/ folder under {tmp_path}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_export_onto_a_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken"
    target.write_text("x")
    assert main(["runbooks", "export", str(target)]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err

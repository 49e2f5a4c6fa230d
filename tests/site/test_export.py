"""`obs runbooks export DIR`: one file per runbook, every internal link resolves, same pages as served."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from observability.cli import main
from observability.runbooks import load_runbooks
from observability.site.link_check import PageLinks, page_links
from tests.site.conftest import REPO_ROOT

RUNBOOKS = load_runbooks(REPO_ROOT / "runbooks")


def parse(path: Path) -> PageLinks:
    return page_links(path.read_text(encoding="utf-8"))


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
    live = re.compile(r'<section class="live" id="now">.*?</section>', re.S)
    return _HREF.sub("", live.sub("", page[start:end]))


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


def test_the_export_has_no_live_sections_and_points_at_the_live_service(exported: Path) -> None:
    page = (exported / "api-down.html").read_text()
    assert '<a href="https://obs.example/runbooks/api-down">live on the service</a>' in page
    assert "Firing now" not in page and "Last incidents" not in page and "<script" not in page
    assert 'action="https://obs.example/runbooks/search"' in page


def _content_root_with(tmp_path: Path, body_link: str) -> Path:
    """Two runbooks; api-errors links with `body_link` (api-down.md and its #meaning exist)."""
    root = tmp_path / "content"
    (root / "runbooks").mkdir(parents=True)
    for slug, extra in (("api-down", ""), ("api-errors", f"See {body_link}.\n\n")):
        sections = "".join(
            f"## {name}\n\nText.\n\n" for name in ("Impact", "Diagnosis", "Mitigation", "Escalation")
        )
        (root / "runbooks" / f"{slug}.md").write_text(
            f"---\ntitle: {slug}\nalerts: [PlatformApiDown]\nservice: api\nseverity: critical\n"
            f"team: platform\ndashboards: [obs-api]\n---\n## Meaning\n\n{extra}Text.\n\n{sections}"
        )
    (root / "runbooks" / "index.md").write_text("# Runbooks\n\n[API down](api-down.md)\n")
    return root


@pytest.mark.parametrize(
    ("link", "reported"),
    [
        ("[the old page](api-gone.md)", "api-errors.html: link 'api-gone': no page 'api-gone' in the export"),
        (
            "[a section](api-down.md#no-such-section)",
            "api-errors.html: link 'api-down.html#no-such-section': no #no-such-section on api-down.html",
        ),
        ("[up](../secrets.md)", "api-errors.html: link '../secrets': no page '../secrets' in the export"),
    ],
)
def test_a_broken_internal_link_fails_the_export_naming_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], link: str, reported: str
) -> None:
    root = _content_root_with(tmp_path, link)
    out = tmp_path / "out"
    assert main(["runbooks", "export", str(out), "--content-root", str(root), "--public-url", ""]) == 1
    err = capsys.readouterr().err
    assert reported in err.splitlines()
    assert "broken internal link(s); nothing written" in err
    assert not out.exists()


def test_links_to_other_sites_and_working_anchors_pass_the_check(tmp_path: Path) -> None:
    root = _content_root_with(
        tmp_path, "[down](api-down.md#meaning) and [Prometheus](https://prometheus.io/)"
    )
    assert main(["runbooks", "export", str(tmp_path / "out"), "--content-root", str(root)]) == 0
    assert 'href="api-down.html#meaning"' in (tmp_path / "out" / "api-errors.html").read_text()

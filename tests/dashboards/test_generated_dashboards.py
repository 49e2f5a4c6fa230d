"""The generated dashboards: identity, determinism, data source wiring, layout, links."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from observability.ascode import output
from observability.ascode.dashboards import render_dashboards
from observability.ascode.dashboards.board import GENERATED_TAG, SCHEMA_VERSION, dashboard_path
from observability.ascode.dashboards.documents import panels, variables
from observability.ascode.dashboards.layout import GRID_COLUMNS
from observability.ascode.dashboards.render import GENERATED_DIR
from observability.catalog import DASHBOARDS, SERVICES, dashboard

DATASOURCE_REF = {"type": "prometheus", "uid": "${datasource}"}
QUERY_PANEL_TYPES = {"timeseries", "stat", "gauge", "table"}


def query_panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in panels(board) if panel["type"] != "row"]


def test_every_catalog_dashboard_renders_to_its_own_file(rendered: dict[Path, str]) -> None:
    assert sorted(rendered) == sorted(GENERATED_DIR / f"{board.slug}.json" for board in DASHBOARDS)


def test_rendering_twice_gives_identical_text_with_sorted_keys(
    repo_root: Path, rendered: dict[Path, str]
) -> None:
    assert render_dashboards(repo_root) == rendered
    for text in rendered.values():
        assert text.endswith("}\n")
        assert text == json.dumps(json.loads(text), sort_keys=True, indent=2) + "\n"


def test_committed_generated_files_equal_a_fresh_render(repo_root: Path, rendered: dict[Path, str]) -> None:
    assert output.stale(rendered, repo_root, (GENERATED_DIR,)) == []


def test_uids_and_titles_are_the_catalogs_and_unique(rendered: dict[Path, str]) -> None:
    for path, text in rendered.items():
        board = json.loads(text)
        expected = dashboard(path.stem)
        assert (board["uid"], board["title"]) == (expected.uid, expected.title)
    uids = [json.loads(text)["uid"] for text in rendered.values()]
    assert len(set(uids)) == len(uids) == len(DASHBOARDS)


def test_schema_version_is_explicit_and_modern(boards: dict[str, dict[str, Any]]) -> None:
    for board in boards.values():
        assert board["schemaVersion"] == SCHEMA_VERSION >= 36


def test_every_dashboard_has_a_prometheus_datasource_variable(boards: dict[str, dict[str, Any]]) -> None:
    for uid, board in boards.items():
        variable = variables(board).get("datasource")
        assert variable is not None, uid
        assert (variable["type"], variable["query"]) == ("datasource", "prometheus"), uid


def test_every_panel_and_query_variable_uses_the_datasource_variable(
    boards: dict[str, dict[str, Any]],
) -> None:
    for uid, board in boards.items():
        for panel in query_panels(board):
            where = f"{uid} / {panel['title']}"
            assert panel["type"] in QUERY_PANEL_TYPES, where
            assert panel["datasource"] == DATASOURCE_REF, where
            assert panel["targets"], where
            assert all(target["datasource"] == DATASOURCE_REF for target in panel["targets"]), where
        for name, variable in variables(board).items():
            if variable["type"] == "query":
                assert variable["datasource"] == DATASOURCE_REF, f"{uid} / ${name}"


def _has_unit(properties: list[dict[str, Any]]) -> bool:
    return any(prop["id"] == "unit" and prop["value"] for prop in properties)


def test_every_panel_says_what_it_shows_and_in_which_unit(boards: dict[str, dict[str, Any]]) -> None:
    for uid, board in boards.items():
        for panel in query_panels(board):
            where = f"{uid} / {panel['title']}"
            assert len(panel["description"] or "") >= 20, where
            if panel["type"] == "table":  # one unit per column
                columns = panel["fieldConfig"]["overrides"]
                assert len(columns) == len(panel["targets"]), where
                assert all(_has_unit(column["properties"]) for column in columns), where
            else:
                assert panel["fieldConfig"]["defaults"]["unit"], where
            refs = [target["refId"] for target in panel["targets"]]
            assert len(set(refs)) == len(refs), where


def test_panel_titles_are_unique_within_a_dashboard(boards: dict[str, dict[str, Any]]) -> None:
    for uid, board in boards.items():
        titles = [panel["title"] for panel in query_panels(board)]
        assert len(set(titles)) == len(titles), uid
        ids = [panel["id"] for panel in panels(board)]
        assert len(set(ids)) == len(ids) and None not in ids, uid


def test_panels_fit_the_grid_and_never_overlap(boards: dict[str, dict[str, Any]]) -> None:
    for uid, board in boards.items():
        taken: dict[tuple[int, int], str] = {}
        for panel in panels(board):
            grid = panel["gridPos"]
            assert grid["w"] > 0 and grid["h"] > 0 and grid["x"] >= 0 and grid["y"] >= 0, panel["title"]
            assert grid["x"] + grid["w"] <= GRID_COLUMNS, f"{uid} / {panel['title']} is wider than the grid"
            for x in range(grid["x"], grid["x"] + grid["w"]):
                for y in range(grid["y"], grid["y"] + grid["h"]):
                    other = taken.setdefault((x, y), panel["title"])
                    assert other == panel["title"], (
                        f"{uid}: {panel['title']!r} overlaps {other!r} at ({x}, {y})"
                    )


def _link_urls(board: dict[str, Any]) -> set[str]:
    return {link["url"] for link in board["links"] if link["type"] == "link"}


def test_overview_links_every_other_dashboard_and_each_links_back(boards: dict[str, dict[str, Any]]) -> None:
    overview = dashboard("platform-overview")
    others = {dashboard_path(board.slug) for board in DASHBOARDS if board.uid != overview.uid}
    assert _link_urls(boards[overview.uid]) == others
    for uid, board in boards.items():
        assert GENERATED_TAG in board["tags"], uid
        menus = [link for link in board["links"] if link["type"] == "dashboards"]
        assert menus and menus[0]["tags"] == [GENERATED_TAG], uid
        if uid != overview.uid:
            assert dashboard_path("platform-overview") in _link_urls(board), uid


def test_every_link_points_at_a_generated_dashboard(boards: dict[str, dict[str, Any]]) -> None:
    known = {f"/d/{uid}" for uid in boards}
    for uid, board in boards.items():
        urls = _link_urls(board) | {
            link["url"].split("?")[0] for panel in panels(board) for link in panel.get("links", [])
        }
        assert urls <= known, f"{uid}: {sorted(urls - known)}"


def test_service_dashboards_default_their_job_variable_to_the_catalogs_job(
    boards: dict[str, dict[str, Any]],
) -> None:
    checked = 0
    for svc in SERVICES:
        board = boards[dashboard(svc.dashboard).uid]
        job = variables(board).get("job")
        if job is None or job["current"]["value"] == "$__all":
            continue
        assert job["current"]["value"] == svc.job, svc.name
        assert "instance" in variables(board), svc.name
        checked += 1
    assert checked >= 4  # api, worker, postgres, node, incident


def test_provisioning_file_loads_generated_folder_read_only(repo_root: Path) -> None:
    import yaml

    config = yaml.safe_load(
        (repo_root / "dashboards/provisioning/dashboards.yml").read_text(encoding="utf-8")
    )
    assert config["apiVersion"] == 1
    (provider,) = config["providers"]
    assert provider["type"] == "file" and provider["allowUiUpdates"] is False
    path = provider["options"]["path"]
    assert path.startswith("/")
    text = (repo_root / "dashboards/provisioning/dashboards.yml").read_text(encoding="utf-8")
    assert f"dashboards/generated:{path}:ro" in text  # the documented mount serves exactly that folder

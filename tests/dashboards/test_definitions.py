"""Broken or disagreeing dashboard definitions fail the render with a message naming the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from grafanalib.core import GridPos, Stat

from observability.ascode.dashboards import DashboardDefinitionError, render_dashboards
from observability.ascode.dashboards.layout import LayoutError, arrange
from observability.ascode.dashboards.panels import section
from observability.ascode.dashboards.slo import budget, burn_rate_windows
from observability.catalog.platform import API_AVAILABILITY as API_AVAILABILITY_SLO
from observability.catalog.platform import JOB_SUCCESS as JOB_SUCCESS_SLO


@pytest.fixture
def tree(tmp_path: Path, repo_root: Path) -> Path:
    """A copy of the repository's dashboard definitions to break."""
    shutil.copytree(
        repo_root / "dashboards", tmp_path / "dashboards", ignore=shutil.ignore_patterns("generated")
    )
    return tmp_path


def test_copied_definitions_render_like_the_repository(tree: Path, repo_root: Path) -> None:
    assert render_dashboards(tree) == render_dashboards(repo_root)


def test_uid_differing_from_the_catalog_names_file_and_both_uids(tree: Path) -> None:
    source = tree / "dashboards/api.dashboard.py"
    source.write_text(
        source.read_text() + '\nimport attr\ndashboard = attr.evolve(dashboard, uid="api-v2")\n'
    )
    with pytest.raises(
        DashboardDefinitionError, match=r"api\.dashboard\.py: uid is 'api-v2' but the catalog says 'obs-api'"
    ):
        render_dashboards(tree)


def test_definition_without_a_dashboard_object_is_refused(tree: Path) -> None:
    (tree / "dashboards/worker.dashboard.py").write_text("board = None\n")
    with pytest.raises(
        DashboardDefinitionError, match=r"worker\.dashboard\.py: must define a module-level `dashboard`"
    ):
        render_dashboards(tree)


def test_definition_that_raises_reports_file_and_error(tree: Path) -> None:
    (tree / "dashboards/postgres.dashboard.py").write_text(
        "from observability.catalog import dashboard\ndashboard('nope')\n"
    )
    with pytest.raises(
        DashboardDefinitionError, match=r"postgres\.dashboard\.py: failed to build: KeyError: .*nope"
    ):
        render_dashboards(tree)


def test_missing_definition_is_named(tree: Path) -> None:
    (tree / "dashboards/resources.dashboard.py").unlink()
    with pytest.raises(
        DashboardDefinitionError, match=r"resources\.dashboard\.py: no such dashboard definition"
    ):
        render_dashboards(tree)


def test_definition_not_in_the_catalog_is_refused(tree: Path) -> None:
    shutil.copy(tree / "dashboards/api.dashboard.py", tree / "dashboards/api-copy.dashboard.py")
    with pytest.raises(
        DashboardDefinitionError, match=r"api-copy\.dashboard\.py: not a dashboard in observability"
    ):
        render_dashboards(tree)


def panel(title: str, width: int, height: int = 4) -> Stat:
    return Stat(title=title, gridPos=GridPos(h=height, w=width, x=0, y=0))


def test_arrange_places_rows_below_the_tallest_panel_of_the_row_above() -> None:
    placed = arrange(section("top"), [panel("a", 8, 6), panel("b", 16, 3)], [panel("c", 24)])
    assert [(p.title, p.gridPos.x, p.gridPos.y, p.gridPos.w) for p in placed] == [
        ("top", 0, 0, 24),
        ("a", 0, 1, 8),
        ("b", 8, 1, 16),
        ("c", 0, 7, 24),
    ]


def test_arrange_refuses_a_row_wider_than_the_grid() -> None:
    with pytest.raises(LayoutError, match=r"'a', 'b' is 25 columns wide"):
        arrange([panel("a", 12), panel("b", 13)])


def test_error_budget_is_written_without_float_noise() -> None:
    assert budget(API_AVAILABILITY_SLO) == "0.001"
    assert budget(JOB_SUCCESS_SLO) == "0.01"


def test_burn_rate_windows_are_every_alert_window_shortest_first() -> None:
    assert burn_rate_windows() == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]

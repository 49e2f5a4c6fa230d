"""Checks across and within generated dashboards: unique uids, panels that fit the grid without overlap."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from .content import DashboardDocument, Panel
from .problem import Problem

GRID_COLUMNS = 24


def check_unique_uids(dashboards: Iterable[DashboardDocument]) -> list[Problem]:
    """No two dashboards share a uid (Grafana would keep only one of them)."""
    by_uid: dict[str, list[str]] = defaultdict(list)
    problems = []
    for board in dashboards:
        if not board.uid:
            problems.append(Problem(board.file, "uid", "dashboard has no uid"))
            continue
        by_uid[board.uid].append(board.file)
    for uid, files in sorted(by_uid.items()):
        for file in files[1:]:
            problems.append(Problem(file, f"uid {uid}", f"uid {uid!r} is also used by {files[0]}"))
    return problems


def check_panel_layout(dashboards: Iterable[DashboardDocument]) -> list[Problem]:
    """Panels have a grid position inside the 24 columns, unique ids, and do not overlap."""
    problems = []
    for board in dashboards:
        seen_ids: dict[int, Panel] = {}
        for panel in board.panels:
            if panel.id is not None and panel.id in seen_ids:
                problems.append(
                    Problem(board.file, panel.label, f"id also used by {seen_ids[panel.id].label}")
                )
            elif panel.id is not None:
                seen_ids[panel.id] = panel
            if panel.grid is None:
                problems.append(Problem(board.file, panel.label, "has no gridPos"))
            elif panel.grid.x < 0 or panel.grid.y < 0 or panel.grid.w <= 0 or panel.grid.h <= 0:
                problems.append(Problem(board.file, panel.label, f"invalid gridPos {panel.grid}"))
            elif panel.grid.x + panel.grid.w > GRID_COLUMNS:
                problems.append(
                    Problem(
                        board.file, panel.label, f"extends past the {GRID_COLUMNS}-column grid ({panel.grid})"
                    )
                )
        # Panels inside a collapsed row are laid out on their own when the row opens.
        layers: dict[str | None, list[Panel]] = defaultdict(list)
        for panel in board.panels:
            if panel.grid is not None:
                layers[panel.row].append(panel)
        for layer in layers.values():
            problems += _overlaps(board.file, layer)
    return problems


def _overlaps(file: str, panels: Sequence[Panel]) -> list[Problem]:
    problems = []
    for index, panel in enumerate(panels):
        for other in panels[:index]:
            assert panel.grid is not None and other.grid is not None
            if panel.grid.overlaps(other.grid):
                problems.append(
                    Problem(
                        file,
                        panel.label,
                        f"overlaps {other.label} on the grid "
                        f"(x={panel.grid.x} y={panel.grid.y} w={panel.grid.w} h={panel.grid.h} vs "
                        f"x={other.grid.x} y={other.grid.y} w={other.grid.w} h={other.grid.h})",
                    )
                )
    return problems

"""Place panels on Grafana's 24-column grid, row by row, so that no two panels overlap."""

from __future__ import annotations

from typing import Any

import attr
from grafanalib.core import GridPos, RowPanel

GRID_COLUMNS = 24

# A `section(...)` header, or a sequence of panels side by side (grafanalib is untyped).
Row = Any


class LayoutError(ValueError):
    """Panels that do not fit the grid."""


def arrange(*rows: Row) -> list[Any]:
    """Give every panel its x and y: rows top to bottom, panels in a row left to right.

    A row is a `section(...)` header or a sequence of panels whose widths add up to at most 24;
    the next row starts below the tallest panel of this one.
    """
    placed: list[Any] = []
    y = 0
    for row in rows:
        panels = [row] if isinstance(row, RowPanel) else list(row)
        width = sum(panel.gridPos.w for panel in panels)
        if width > GRID_COLUMNS:
            titles = ", ".join(repr(panel.title) for panel in panels)
            raise LayoutError(f"row of {titles} is {width} columns wide; the grid has {GRID_COLUMNS}")
        x = 0
        for panel in panels:
            size = panel.gridPos
            placed.append(attr.evolve(panel, gridPos=GridPos(h=size.h, w=size.w, x=x, y=y)))
            x += size.w
        y += max((panel.gridPos.h for panel in panels), default=0)
    return placed

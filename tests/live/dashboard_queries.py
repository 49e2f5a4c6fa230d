"""Every PromQL query of every panel of the generated dashboards, with template variables filled in."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What Grafana would put in place of each variable for "all values" over a short live run.
SUBSTITUTIONS = {
    "__rate_interval": "30s",
    "__interval": "15s",
    "__range": "5m",
    "__range_s": "300",
    "datasource": "prometheus",
}
ALL_VALUES = ".+"  # every query variable (job, instance, dependency, datname) is used in =~ matchers
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")


@dataclass(frozen=True)
class PanelQuery:
    dashboard: str  # file stem, e.g. "api"
    panel: str  # panel title
    ref_id: str
    expr: str  # as written in the dashboard
    promql: str  # with variables substituted

    @property
    def panel_key(self) -> str:
        return f"{self.dashboard}/{self.panel}"


def substitute(expr: str) -> str:
    return _VARIABLE.sub(lambda m: SUBSTITUTIONS.get(m.group(1) or m.group(2), ALL_VALUES), expr)


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def panel_queries(folder: Path) -> list[PanelQuery]:
    """One PanelQuery per target with an expression, over every *.json in `folder`."""
    found = []
    for path in sorted(folder.glob("*.json")):
        board = json.loads(path.read_text(encoding="utf-8"))
        panels = list(_panels(board.get("panels", [])))
        panels += [panel for row in board.get("rows", []) for panel in row.get("panels", [])]
        for panel in panels:
            for target in panel.get("targets", []):
                expr = target.get("expr")
                if expr:
                    found.append(
                        PanelQuery(
                            path.stem, panel.get("title", ""), target.get("refId", ""), expr, substitute(expr)
                        )
                    )
    return found

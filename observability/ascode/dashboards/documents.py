"""Generated dashboard JSON as data: its panels and queries, and those queries as plain PromQL."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

# Grafana's own variables, with values a live Prometheus answers for a 1-hour view.
GRAFANA_BUILTINS: Mapping[str, str] = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
    "__range_s": "3600",
}
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>\w+)(?::\w+)?\}|(?P<bare>\w+))")


@dataclass(frozen=True)
class PanelQuery:
    """One target of one panel."""

    dashboard: str  # uid
    panel: str  # title
    ref_id: str
    expr: str
    instant: bool


def panels(dashboard: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every panel, including those inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def panel_queries(dashboard: Mapping[str, Any]) -> list[PanelQuery]:
    return [
        PanelQuery(
            dashboard["uid"],
            panel.get("title", ""),
            target["refId"],
            target["expr"],
            target.get("instant", False),
        )
        for panel in panels(dashboard)
        for target in panel.get("targets", [])
    ]


def variables(dashboard: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {variable["name"]: variable for variable in dashboard.get("templating", {}).get("list", [])}


def all_values(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Each template variable at "All" (its allValue regex), or at its default when it has no All."""
    values = {}
    for name, variable in variables(dashboard).items():
        if variable.get("includeAll"):
            values[name] = variable.get("allValue") or ".*"
        elif (current := variable.get("current") or {}).get("value"):
            values[name] = str(current["value"])
    return values


def expand(expr: str, values: Mapping[str, str]) -> str:
    """The PromQL Prometheus receives once Grafana substitutes `values` and its own builtins."""
    known = {**GRAFANA_BUILTINS, **values}

    def substitute(match: re.Match[str]) -> str:
        name = match["braced"] or match["bare"]
        if name not in known:
            raise KeyError(f"variable ${name} has no value (not a template variable of this dashboard)")
        return known[name]

    return _VARIABLE.sub(substitute, expr)

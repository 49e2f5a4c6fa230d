"""The generated content as data the checks read: rules from rule files, panels from dashboard JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .problem import Problem
from .yaml_cache import load_yaml

RULES_DIR = Path("alerts/generated")
DASHBOARDS_DIR = Path("dashboards/generated")
RULES_SUFFIX = ".rules.yml"
RUNBOOKS_DIR = Path("runbooks")


@dataclass(frozen=True)
class Rule:
    """An alerting or recording rule as written in a generated rule file."""

    file: str
    name: str  # the alert name, or the recorded series name
    expr: str
    is_alert: bool
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GridPos:
    x: int
    y: int
    w: int
    h: int

    def overlaps(self, other: GridPos) -> bool:
        return (
            self.x < other.x + other.w
            and other.x < self.x + self.w
            and self.y < other.y + other.h
            and other.y < self.y + self.h
        )


@dataclass(frozen=True)
class Panel:
    """A panel of a generated dashboard; `row` is the title of the collapsed row holding it, if any."""

    id: int | None
    title: str
    kind: str
    grid: GridPos | None
    queries: tuple[str, ...]
    row: str | None = None

    @property
    def label(self) -> str:
        return f"panel {self.title!r}" + ("" if self.id is None else f" (id {self.id})")


@dataclass(frozen=True)
class Variable:
    name: str
    query: str


@dataclass(frozen=True)
class DashboardDocument:
    """A generated dashboard: its uid, its panels (rows flattened) and its template variables."""

    file: str
    uid: str
    title: str
    panels: tuple[Panel, ...]
    variables: tuple[Variable, ...]


@dataclass
class Content:
    """Everything the generators produce, parsed; `problems` holds files that did not parse."""

    rules: list[Rule] = field(default_factory=list)
    dashboards: list[DashboardDocument] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def alerts(self) -> list[Rule]:
        return [rule for rule in self.rules if rule.is_alert]

    @property
    def recorded_names(self) -> set[str]:
        return {rule.name for rule in self.rules if not rule.is_alert}


def parse_content(rendered: Mapping[Path, str]) -> Content:
    """Parse the rule files and dashboards of a {relative path: text} map."""
    content = Content()
    for relative, text in sorted(rendered.items()):
        name = relative.as_posix()
        try:
            if relative.parent == RULES_DIR and relative.name.endswith(RULES_SUFFIX):
                content.rules += _rules(name, load_yaml(text))
            elif relative.parent == DASHBOARDS_DIR and relative.suffix == ".json":
                content.dashboards.append(_dashboard(name, json.loads(text)))
        except (yaml.YAMLError, json.JSONDecodeError, TypeError, KeyError, AttributeError, ValueError) as exc:
            content.problems.append(
                Problem(name, "structure", f"cannot be read: {type(exc).__name__}: {exc}")
            )
    return content


def _rules(file: str, document: Any) -> list[Rule]:
    rules = []
    for group in document["groups"]:
        for entry in group.get("rules") or []:
            is_alert = "alert" in entry
            rules.append(
                Rule(
                    file=file,
                    name=str(entry["alert"] if is_alert else entry["record"]),
                    expr=str(entry["expr"]),
                    is_alert=is_alert,
                    labels={str(k): str(v) for k, v in (entry.get("labels") or {}).items()},
                    annotations={str(k): str(v) for k, v in (entry.get("annotations") or {}).items()},
                )
            )
    return rules


def _dashboard(file: str, document: dict[str, Any]) -> DashboardDocument:
    panels: list[Panel] = []
    for raw in document.get("panels") or []:
        panels.append(_panel(raw, row=None))
        # A collapsed row keeps its panels inside it (with their expanded positions).
        panels += [_panel(child, row=str(raw.get("title") or "")) for child in raw.get("panels") or []]
    variables = tuple(
        Variable(str(var.get("name")), _variable_query(var))
        for var in (document.get("templating") or {}).get("list") or []
        if var.get("type") == "query"
    )
    return DashboardDocument(
        file=file,
        uid=str(document.get("uid") or ""),
        title=str(document.get("title") or ""),
        panels=tuple(panels),
        variables=variables,
    )


def _panel(raw: dict[str, Any], row: str | None) -> Panel:
    grid = raw.get("gridPos")
    return Panel(
        id=raw.get("id"),
        title=str(raw.get("title") or ""),
        kind=str(raw.get("type") or ""),
        grid=GridPos(int(grid["x"]), int(grid["y"]), int(grid["w"]), int(grid["h"])) if grid else None,
        queries=tuple(str(t["expr"]) for t in raw.get("targets") or [] if t.get("expr")),
        row=row,
    )


def _variable_query(var: dict[str, Any]) -> str:
    query = var.get("query")
    if isinstance(query, dict):  # Grafana >= 8 stores {"query": "...", "refId": ...}
        query = query.get("query")
    return str(query or "")

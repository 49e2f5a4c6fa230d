"""Panel builders: every panel queries Prometheus through the `datasource` variable and says what it shows."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from grafanalib.core import GaugePanel, GridPos, RowPanel, Stat, Table, Target, TimeSeries

# Every panel and target points at the dashboard's `datasource` template variable.
DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": "${datasource}"}

Steps = list[dict[str, Any]]


@dataclass(frozen=True)
class Query:
    """One PromQL target and how its series are named in the legend."""

    expr: str
    legend: str = ""


QueryLike = Query | str


def steps(base: str, *rising: tuple[float, str]) -> Steps:
    """Absolute threshold steps: `base` colour below the first value, then each colour from its value."""
    return [{"color": base, "value": None}] + [{"color": color, "value": value} for value, color in rising]


def higher_is_worse(warning: float, critical: float) -> Steps:
    return steps("green", (warning, "orange"), (critical, "red"))


def lower_is_worse(critical: float, warning: float) -> Steps:
    return steps("red", (critical, "orange"), (warning, "green"))


NEUTRAL = steps("blue")


def _targets(queries: Sequence[QueryLike], *, instant: bool = False, table: bool = False) -> list[Target]:
    built = []
    for ref_id, query in zip(string.ascii_uppercase, queries, strict=False):
        query = Query(query) if isinstance(query, str) else query
        built.append(
            Target(
                expr=query.expr,
                legendFormat=query.legend,
                refId=ref_id,
                datasource=DATASOURCE,
                instant=instant,
                format="table" if table else "time_series",
                intervalFactor=1,
            )
        )
    if len(built) != len(queries):
        raise ValueError(f"a panel takes at most {len(string.ascii_uppercase)} queries")
    return built


def _size(width: int, height: int) -> GridPos:
    # x and y are filled in by layout.arrange; only the size is the panel's own business.
    return GridPos(h=height, w=width, x=0, y=0)


def _identity(title: str, description: str, targets: list[Target], width: int, height: int) -> dict[str, Any]:
    """The fields every query panel has: what it is called and says, what it queries, how big it is."""
    return {
        "title": title,
        "description": description,
        "dataSource": DATASOURCE,
        "targets": targets,
        "gridPos": _size(width, height),
    }


def timeseries(
    title: str,
    description: str,
    queries: Sequence[QueryLike],
    *,
    unit: str,
    width: int = 12,
    height: int = 8,
    thresholds: Steps | None = None,
    stacked: bool = False,
    max_value: int | None = None,
) -> TimeSeries:
    """A time series panel; thresholds, when given, are drawn as dashed lines."""
    return TimeSeries(
        **_identity(title, description, _targets(queries), width, height),
        unit=unit,
        thresholds=thresholds or NEUTRAL,
        thresholdsStyleMode="dashed" if thresholds else "off",
        stacking={"mode": "normal", "group": "A"} if stacked else {},
        fillOpacity=20 if stacked else 5,
        valueMin=0,
        maxDataPoints=None,  # let Grafana pick the resolution from the panel width
        valueMax=max_value,
        legendDisplayMode="table",
        legendCalcs=["mean", "max", "lastNotNull"],
        tooltipMode="multi",
        tooltipSort="desc",
    )


def stat(
    title: str,
    description: str,
    queries: Sequence[QueryLike],
    *,
    unit: str,
    width: int = 4,
    height: int = 4,
    thresholds: Steps | None = None,
    instant: bool = False,
    decimals: int | None = None,
) -> Stat:
    """The latest value; `instant` for expensive long-window queries (no sparkline then)."""
    return Stat(
        **_identity(title, description, _targets(queries, instant=instant), width, height),
        format=unit,
        decimals=decimals,
        thresholds=thresholds or NEUTRAL,
        color={"mode": "thresholds"},
        graphMode="none" if instant else "area",
        reduceCalc="lastNotNull",
        noValue="no data",
    )


def gauge(
    title: str,
    description: str,
    queries: Sequence[QueryLike],
    *,
    unit: str,
    thresholds: Steps,
    min_value: float = 0,
    max_value: float = 1,
    width: int = 4,
    height: int = 4,
    instant: bool = False,
) -> GaugePanel:
    """A gauge between known bounds (ratios, budgets)."""
    return GaugePanel(
        **_identity(title, description, _targets(queries, instant=instant), width, height),
        format=unit,
        min=min_value,
        max=max_value,
        thresholds=thresholds,
        calc="lastNotNull",
        # grafanalib writes the pre-8 gauge options; these are the ones current Grafana reads.
        extraJson={
            "options": {
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "showThresholdLabels": False,
                "showThresholdMarkers": True,
            }
        },
    )


@dataclass(frozen=True)
class Column:
    """One value column of a table: an instant query per row label set, its header and unit."""

    query: str
    header: str
    unit: str
    thresholds: Steps | None = None


def table(
    title: str,
    description: str,
    columns: Sequence[Column],
    *,
    width: int = 12,
    height: int = 8,
) -> Table:
    """Instant queries merged on their labels into one row per series, one column per query."""
    if len(columns) < 2:
        # Grafana names a lone query's field "Value", not "Value #A": the overrides would not apply.
        raise ValueError(f"table {title!r} needs at least two columns; use a stat or time series panel")
    overrides = []
    for ref_id, column in zip(string.ascii_uppercase, columns, strict=False):
        properties: list[dict[str, Any]] = [
            {"id": "displayName", "value": column.header},
            {"id": "unit", "value": column.unit},
        ]
        if column.thresholds:
            properties += [
                {"id": "thresholds", "value": {"mode": "absolute", "steps": column.thresholds}},
                {"id": "custom.cellOptions", "value": {"type": "color-text"}},
            ]
        overrides.append(
            {"matcher": {"id": "byName", "options": f"Value #{ref_id}"}, "properties": properties}
        )
    return Table(
        **_identity(
            title,
            description,
            _targets([column.query for column in columns], instant=True, table=True),
            width,
            height,
        ),
        overrides=overrides,
        thresholds=NEUTRAL,
        transformations=[
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}}},
        ],
    )


def section(title: str) -> RowPanel:
    """A full-width row header; its panels follow it on the grid."""
    return RowPanel(title=title, gridPos=_size(24, 1))

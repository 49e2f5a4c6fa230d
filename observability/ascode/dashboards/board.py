"""Dashboard builder: catalog identity, template variables and links shared by every generated dashboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attr
from grafanalib.core import Dashboard, DashboardLink, Template, Templating, Time

from observability import catalog
from observability.catalog import names as n

from .layout import Row, arrange
from .panels import DATASOURCE
from .queries import JOB_MATCHER, selector

# Explicit, so that Grafana does not migrate the JSON on load (Grafana 10.4 writes 39).
SCHEMA_VERSION = 39
# Every generated dashboard carries this tag; the "dashboards" link lists them by it.
GENERATED_TAG = "observability-as-code"
OVERVIEW = "platform-overview"

REFRESH_ON_TIME_RANGE_CHANGE = 2
SORT_ALPHABETICAL = 1
ALL = "$__all"


def dashboard_path(slug: str) -> str:
    """Grafana's address of a generated dashboard (a `/d/<uid>` link survives title changes)."""
    return f"/d/{catalog.dashboard(slug).uid}"


def datasource_variable() -> Template:
    return Template(name="datasource", label="Data source", query="prometheus", type="datasource")


def label_variable(
    name: str,
    label: str,
    metric: Any,
    *,
    matchers: Sequence[str] = (),
    default: str = ALL,
    multi: bool = True,
) -> Template:
    """A query variable over the values of one label of one metric (`label_values`)."""
    return Template(
        name=name,
        label=label,
        query=f"label_values({selector(metric, matchers)}, {name})",
        dataSource=DATASOURCE,
        default=default,
        includeAll=multi,
        multi=multi,
        allValue=".*" if multi else None,
        refresh=REFRESH_ON_TIME_RANGE_CHANGE,
        sort=SORT_ALPHABETICAL,
    )


def job_variable(metric: Any, default: str) -> Template:
    """The `job` variable, defaulting to the catalog's job for this service."""
    return label_variable(n.JOB, "Job", metric, default=default)


def instance_variable(metric: Any) -> Template:
    """The `instance` variable, narrowed to the chosen jobs."""
    return label_variable(n.INSTANCE, "Instance", metric, matchers=(JOB_MATCHER,))


def dashboard_links(slug: str) -> list[DashboardLink]:
    """A menu of every generated dashboard; the overview links each of them, the others link back."""
    menu = DashboardLink(
        type="dashboards",
        tags=[GENERATED_TAG],
        asDropdown=True,
        title="Dashboards",
        keepTime=True,
    )
    targets = [board.slug for board in catalog.DASHBOARDS if board.slug != slug]
    if slug != OVERVIEW:
        targets = [OVERVIEW]
    return [menu] + [
        DashboardLink(
            type="link",
            title=catalog.dashboard(target).title,
            tooltip=catalog.dashboard(target).description,
            uri=dashboard_path(target),
            icon="dashboard",
            keepTime=True,
            includeVars=False,
        )
        for target in targets
    ]


def build_dashboard(
    slug: str,
    rows: Sequence[Row],
    *,
    variables: Sequence[Template] = (),
    time_from: str = "now-6h",
    refresh: str = "30s",
) -> Dashboard:
    """The dashboard the catalog names `slug`: its uid, title, tags, variables, links and laid-out panels."""
    board = catalog.dashboard(slug)
    return Dashboard(
        title=board.title,
        uid=board.uid,
        description=board.description,
        tags=sorted({*board.tags, GENERATED_TAG}),
        panels=arrange(*rows),
        templating=Templating(list=[datasource_variable(), *variables]),
        links=dashboard_links(slug),
        schemaVersion=SCHEMA_VERSION,
        time=Time(time_from, "now"),
        timezone="utc",
        refresh=refresh,
        editable=False,  # generated: edit the .dashboard.py file, not the JSON
        graphTooltip=1,  # shared crosshair across panels
    ).auto_panel_ids()


def linked(panel: Any, slug: str) -> Any:
    """The panel with a link to another generated dashboard (keeping the time range)."""
    board = catalog.dashboard(slug)
    link = {"title": f"{board.title} dashboard", "url": f"{dashboard_path(slug)}?${{__url_time_range}}"}
    return attr.evolve(panel, links=[*panel.links, link])

"""Load `dashboards/<slug>.dashboard.py` files and render them to deterministic Grafana JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grafanalib._gen import DashboardEncoder
from grafanalib.core import Dashboard

from observability import catalog
from observability.ascode.content_modules import ContentModuleError, run_content_module

SOURCE_DIR = Path("dashboards")
GENERATED_DIR = SOURCE_DIR / "generated"
SOURCE_SUFFIX = ".dashboard.py"


class DashboardDefinitionError(ValueError):
    """A dashboard definition file that is missing, broken, or disagrees with the catalog."""


def source_path(slug: str) -> Path:
    return SOURCE_DIR / f"{slug}{SOURCE_SUFFIX}"


def generated_path(slug: str) -> Path:
    return GENERATED_DIR / f"{slug}.json"


def load_definition(path: Path) -> Dashboard:
    """Run a `*.dashboard.py` file and return its module-level `dashboard` (grafanalib's convention)."""
    if not path.is_file():
        raise DashboardDefinitionError(f"{path}: no such dashboard definition")
    module_name = "obs_dashboard_" + path.name.removesuffix(SOURCE_SUFFIX).replace("-", "_")
    try:
        module = run_content_module(path, module_name)
    except ContentModuleError as exc:
        raise DashboardDefinitionError(f"{path}: failed to build: {exc}") from exc
    built = getattr(module, "dashboard", None)
    if not isinstance(built, Dashboard):
        raise DashboardDefinitionError(
            f"{path}: must define a module-level `dashboard` (a grafanalib Dashboard), "
            f"found {type(built).__name__}"
        )
    return built


def dashboard_json(built: Dashboard) -> dict[str, Any]:
    """The dashboard as plain JSON data (grafanalib objects resolved)."""
    data: dict[str, Any] = json.loads(json.dumps(built.to_json_data(), cls=DashboardEncoder))
    return data


def to_text(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2) + "\n"


def _check_identity(path: Path, data: dict[str, Any], board: catalog.Dashboard) -> None:
    for key, expected in (("uid", board.uid), ("title", board.title)):
        if data.get(key) != expected:
            raise DashboardDefinitionError(
                f"{path}: {key} is {data.get(key)!r} but the catalog says {expected!r} for {board.slug!r}"
            )


def render_dashboards(root: Path) -> dict[Path, str]:
    """Every catalog dashboard rendered from its definition: {dashboards/generated/<slug>.json: text}."""
    known = {source_path(board.slug) for board in catalog.DASHBOARDS}
    strays = sorted(
        path.relative_to(root)
        for path in (root / SOURCE_DIR).glob(f"*{SOURCE_SUFFIX}")
        if path.relative_to(root) not in known
    )
    if strays:
        raise DashboardDefinitionError(
            f"{strays[0]}: not a dashboard in observability.catalog.DASHBOARDS; add it there or delete it"
        )
    rendered: dict[Path, str] = {}
    for board in catalog.DASHBOARDS:
        path = source_path(board.slug)
        data = dashboard_json(load_definition(root / path))
        _check_identity(path, data, board)
        rendered[generated_path(board.slug)] = to_text(data)
    return rendered

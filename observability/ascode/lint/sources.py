"""Which source file a generated file comes from, so a problem names the file to fix."""

from __future__ import annotations

from pathlib import Path

from .content import DASHBOARDS_DIR, RULES_DIR, RULES_SUFFIX

DASHBOARD_SOURCE_SUFFIX = ".dashboard.py"


def source_of(generated: Path, root: Path) -> Path | None:
    """`dashboards/generated/api.json` → `dashboards/api.dashboard.py` (when that file exists)."""
    if generated.parent == DASHBOARDS_DIR and generated.suffix == ".json":
        candidate = DASHBOARDS_DIR.parent / f"{generated.stem}{DASHBOARD_SOURCE_SUFFIX}"
    elif generated.parent == RULES_DIR and generated.name.endswith(RULES_SUFFIX):
        candidate = RULES_DIR.parent / (generated.name.removesuffix(RULES_SUFFIX) + ".py")
    else:
        return None
    return candidate if (root / candidate).is_file() else None

"""Where the content folders live: the repository this package is installed from (editable)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository root: `OBS_REPO_ROOT`, else the checkout holding this package."""
    if explicit := os.environ.get("OBS_REPO_ROOT"):
        return Path(explicit).resolve()
    return Path(__file__).resolve().parents[1]

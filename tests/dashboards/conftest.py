"""Render the dashboards once per session: the generated JSON the tests inspect."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from observability.ascode.dashboards import render_dashboards


@pytest.fixture(scope="session")
def rendered(repo_root: Path) -> dict[Path, str]:
    return render_dashboards(repo_root)


@pytest.fixture(scope="session")
def boards(rendered: dict[Path, str]) -> dict[str, dict[str, Any]]:
    """Each rendered dashboard's JSON by uid."""
    parsed = [json.loads(text) for text in rendered.values()]
    return {board["uid"]: board for board in parsed}

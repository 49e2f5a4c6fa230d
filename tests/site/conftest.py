"""The app on a fresh SQLite file with a viewer token; its content root is the repository or a tmp one.

Clients are not entered as context managers: the site needs no lifespan (escalation scheduler,
watchdog), and skipping it keeps each app's start and stop cheap.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from observability.auth.tokens import hash_token
from observability.config import load_settings
from observability.store.migrate import upgrade
from observability.web.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_TOKEN = "site-webhook-token"
VIEWER_TOKEN = "site-viewer-token"
VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
SECTION_IDS = ("meaning", "impact", "diagnosis", "mitigation", "escalation")
GRAFANA_URL = "http://grafana.example:3000/"
# The one script the site's pages load (local times); anything else named <script is injected.
OWN_SCRIPT = re.compile(r'<script src="[^"<>]*static/local-time\.js" defer></script>')


def without_own_script(page: str) -> str:
    """The page minus the site's own script tag, for checking nothing else is a script."""
    return OWN_SCRIPT.sub("", page)


def start_client(folder: Path, content_root: Path = REPO_ROOT, **overrides: Any) -> TestClient:
    """The app on a migrated SQLite file in `folder` (or `database_url`) serving `content_root`."""
    url = overrides.pop("database_url", None) or f"sqlite:///{folder / 'site.db'}"
    upgrade(url)
    settings = load_settings(
        database_url=url,
        webhook_token=WEBHOOK_TOKEN,
        api_tokens=f"site-viewer:viewer:{hash_token(VIEWER_TOKEN)}",
        content_root=content_root,
        escalation_matrix=REPO_ROOT / "incident",
        **overrides,
    )
    return TestClient(create_app(settings))


@pytest.fixture
def make_client(tmp_path: Path) -> Callable[..., TestClient]:
    """Start an app on a content root of the test's choosing."""
    return lambda content_root=REPO_ROOT, **overrides: start_client(tmp_path, content_root, **overrides)


@pytest.fixture(scope="session")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """One app for the session serving this repository's runbooks (the tests only read from it)."""
    return start_client(tmp_path_factory.mktemp("site"), grafana_url=GRAFANA_URL)

"""Browser tests: Debian's chromium driven by Playwright, against the real app served by uvicorn.

- `chromium`: one headless browser per session, launched from /usr/bin/chromium (no download).
- `page`: a fresh browser context and page per test (no cookies shared between tests).
- `live_service` / `make_live_service(**settings)`: the app on a free port, SQLite under tmp_path,
  migrated, with database tokens of each role; `fire(...)` seeds incidents through the webhook.
- `other_origin(html)`: serves a page from 127.0.0.2 (another site than 127.0.0.1) for cross-site links.
- `screenshot(page, name)`: saves var/browser-artifacts/<name>.png, the run's artifacts.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.ingest.payloads import alert, notification
from tests.support import free_port, unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "var" / "browser-artifacts"
CHROMIUM = os.environ.get("OBS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WEBHOOK_TOKEN = "browser-webhook-token"
ROLES = ("viewer", "responder", "admin")
# Another site than the app's 127.0.0.1: cookies and SameSite treat the two as strangers.
OTHER_HOST = "127.0.0.2"
# Playwright waits (clicks, navigations) give up after this long instead of hanging the run.
PAGE_TIMEOUT_MS = 15_000


# Package scope: Playwright's sync API keeps an asyncio loop running in the main thread while it is
# started, so the suites after this one (asyncio.run in the delivery tests) need it stopped.
@pytest.fixture(scope="package")
def chromium() -> Iterator[Browser]:
    """Headless Debian chromium under Playwright (fails under OBS_REQUIRE_E2E=1 when missing)."""
    if not os.access(CHROMIUM, os.X_OK):
        unavailable(f"{CHROMIUM} not found (apt-get install chromium; make tools does)")
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
        raise
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        except Error as exc:
            unavailable(f"cannot launch {CHROMIUM}: {exc}")
            raise
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A page in a fresh browser context: its own cookies, closed after the test."""
    context = chromium.new_context()
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot() -> Callable[[Page, str], Path]:
    """Save a full-page screenshot as var/browser-artifacts/<name>.png; its path."""

    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@dataclass
class LiveService:
    """The app served on `base_url`, its database, and a token of each role (stored in the database)."""

    base_url: str
    database_url: str
    tokens: dict[str, str]
    webhook_token: str = WEBHOOK_TOKEN
    incidents: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def notify(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Post an Alertmanager notification through the real webhook; its JSON answer."""
        response = httpx.post(
            self.url("/api/v1/webhooks/alertmanager"),
            json=payload,
            headers={"Authorization": f"Bearer {self.webhook_token}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def fire(self, fingerprint: str, *, group_key: str | None = None, **alert_fields: Any) -> int:
        """Fire one alert (fields as tests.ingest.payloads.alert takes them); the incident id."""
        group = (
            group_key
            or f'{{}}:{{alertname="{alert_fields.get("alertname", "PlatformApiDown")}", fp="{fingerprint}"}}'
        )
        incident_id = self.notify(notification([alert(fingerprint, **alert_fields)], group_key=group))[
            "incident_id"
        ]
        assert isinstance(incident_id, int)
        self.incidents.append(incident_id)
        return incident_id

    def api(self, method: str, path: str, role: str = "admin", **kwargs: Any) -> httpx.Response:
        """A REST call with the role's bearer token."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"}
        return httpx.request(method, self.url(path), headers=headers, timeout=10, **kwargs)

    def sign_in(self, page: Page, role: str = "responder", path: str = "/incidents/") -> None:
        """Sign the page's browser in through the form, as a person would, and land on `path`."""
        page.goto(self.url(path))
        page.fill("input[name=token]", self.tokens[role])
        page.click("form.login button[type=submit]")
        page.wait_for_load_state()


@pytest.fixture(scope="session")
def migrated_browser_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once; each live service gets a copy."""
    from observability.store.migrate import upgrade

    path = tmp_path_factory.mktemp("browser-template") / "migrated.db"
    upgrade(f"sqlite:///{path}")
    return path


def _store_tokens(database_url: str) -> dict[str, str]:
    from observability.auth.roles import Role
    from observability.auth.token_store import create_token
    from observability.store.engine import make_engine, session_factory

    engine = make_engine(database_url)
    tokens = {}
    try:
        with session_factory(engine)() as session:
            for role in ROLES:
                _row, tokens[role] = create_token(
                    session,
                    role=Role(role),
                    name=f"{role}-person",
                    actor="browser-tests",
                    now=datetime.now(UTC),
                )
            session.commit()
    finally:
        engine.dispose()
    return tokens


class _ServedApp:
    """uvicorn serving one app in a thread of this process, stopped by `stop()`."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        import uvicorn

        config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"uvicorn-{port}", daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def make_live_service(tmp_path: Path, migrated_browser_db: Path) -> Iterator[Callable[..., LiveService]]:
    """Start the real app on a free port with the given setting overrides; all stopped afterwards."""
    from observability.config import load_settings
    from observability.web.app import create_app

    served: list[_ServedApp] = []

    def start(**overrides: Any) -> LiveService:
        path = tmp_path / f"live{len(served)}.db"
        shutil.copyfile(migrated_browser_db, path)
        database_url = f"sqlite:///{path}"
        tokens = _store_tokens(database_url)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        values: dict[str, Any] = {
            "database_url": database_url,
            "webhook_token": WEBHOOK_TOKEN,
            "public_url": base_url,
            "content_root": REPO_ROOT,
            "escalation_matrix": REPO_ROOT / "incident",
            "escalation_tick_seconds": 0.2,
        }
        app = create_app(load_settings(**(values | overrides)))
        server = _ServedApp(app, "127.0.0.1", port)
        server.start()
        served.append(server)
        return LiveService(base_url=base_url, database_url=database_url, tokens=tokens)

    yield start
    for server in served:
        server.stop()


@pytest.fixture
def live_service(make_live_service: Callable[..., LiveService]) -> LiveService:
    """The app with default settings (this repository's runbooks and escalation matrix)."""
    return make_live_service()


@pytest.fixture
def other_origin() -> Iterator[Callable[[str], str]]:
    """Serve `html` at http://127.0.0.2:<port>/ (another site than the app); its URL."""
    servers: list[ThreadingHTTPServer] = []

    def serve(html: str) -> str:
        body = html.encode("utf-8")

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        try:
            server = ThreadingHTTPServer((OTHER_HOST, 0), Handler)
        except OSError as exc:
            unavailable(f"cannot listen on {OTHER_HOST}: {exc}")
            raise
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://{OTHER_HOST}:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()

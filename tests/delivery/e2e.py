"""Real processes for the Slack end-to-end tests: `obs serve` wired to the fake Slack, and a stand-in
Grafana that answers the dashboards `dashboards/generated/` defines (Grafana itself is not installable)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from demo.fake_slack.client import FakeSlack
from tests.ingest.live import ObsServer
from tests.support import free_port

REPO = Path(__file__).resolve().parents[2]
TOKEN = "e2e-webhook-token"


@contextmanager
def dashboards_server() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    """`GET /d/<uid>?from=..&to=..`: 200 for a generated dashboard's uid (records the query), else 404."""
    uids = {
        json.loads(path.read_text())["uid"] for path in (REPO / "dashboards" / "generated").glob("*.json")
    }
    seen: list[dict[str, list[str]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            uid = parts.path.removeprefix("/d/")
            found = parts.path.startswith("/d/") and uid in uids
            if found:
                seen.append({"uid": [uid], **parse_qs(parts.query)})
            self.send_response(200 if found else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.shutdown()
        server.server_close()


def obs_with_slack(
    folder: Path, database_url: str, fake: FakeSlack, grafana_url: str, **env: str
) -> ObsServer:
    """`obs serve` on a free port, posting to `fake`, which sends its events back to it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    fake.configure(events_url=f"{url}/slack/events")
    return ObsServer(
        port,
        {
            "OBS_DATABASE_URL": database_url,
            "OBS_WEBHOOK_TOKEN": TOKEN,
            "OBS_PUBLIC_URL": url,
            "OBS_GRAFANA_URL": grafana_url,
            "OBS_SLACK_BOT_TOKEN": fake.bot_token,
            "OBS_SLACK_SIGNING_SECRET": fake.signing_secret,
            "OBS_SLACK_API_URL": fake.base_url,
            "OBS_DELIVERY_TICK_SECONDS": "0.5",
            "OBS_ESCALATION_TICK_SECONDS": "0.5",
            "OBS_WATCHDOG_TIMEOUT_SECONDS": "0",
            **env,
        },
        folder / "obs.log",
    )

"""Real processes for end-to-end tests: `obs serve`, Alertmanager, amtool, and a recording proxy."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.support import binary

REPO = Path(__file__).resolve().parents[2]
WEBHOOK = "/api/v1/webhooks/alertmanager"


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def http_ok(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        connection.request("GET", path)
        return connection.getresponse().status < 500
    except OSError:
        return False


class ObsServer:
    """`obs serve` as a subprocess on a fixed port, restartable and killable."""

    startup_timeout = 30.0  # seconds to start listening

    def __init__(self, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port, self.env, self.log_path = port, env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "observability.cli",
                "serve",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_until(
                lambda: self._exited() or http_ok(self.port, "/openapi.json"),
                self.startup_timeout,
                "obs serve to listen",
            )
        except AssertionError:
            self.stop()  # never leave a process that did not come up behind
            raise
        if self._exited():
            raise AssertionError(f"obs serve exited: {self.log_path.read_text()[-2000:]}")

    def _exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flushing; what was not committed is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


class RecordingProxy:
    """Forwards webhook posts to the service and records each body with the status it got."""

    def __init__(self, port: int, target_port: int) -> None:
        self.records: list[tuple[bytes, int]] = []
        records, lock = self.records, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, answer = 502, b"service unreachable"
                try:
                    upstream = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                    upstream.request("POST", self.path, body, dict(self.headers))
                    response = upstream.getresponse()
                    status, answer = response.status, response.read()
                except OSError:
                    pass
                with lock:
                    records.append((body, status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Alertmanager:
    """A real `prometheus-alertmanager` routing to the service, and amtool pointed at it."""

    def __init__(self, port: int, webhook_url: str, token: str, folder: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        receiver = {
            "url": webhook_url,
            "send_resolved": True,
            "http_config": {"authorization": {"credentials": token}},
        }
        config = {
            "global": {"resolve_timeout": "5m"},
            "route": {
                "receiver": "obs",
                "group_by": ["alertname"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "1h",
                "routes": [{"receiver": "obs-truncated", "matchers": ['truncate="yes"']}],
            },
            "receivers": [
                {"name": "obs", "webhook_configs": [receiver]},
                {"name": "obs-truncated", "webhook_configs": [{**receiver, "max_alerts": 1}]},
            ],
        }
        (folder / "alertmanager.yml").write_text(yaml.safe_dump(config))
        (folder / "am-data").mkdir(exist_ok=True)
        self.log = (folder / "alertmanager.log").open("wb")
        self.process = subprocess.Popen(
            [
                binary("prometheus-alertmanager"),
                f"--config.file={folder / 'alertmanager.yml'}",
                f"--storage.path={folder / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until(lambda: http_ok(port, "/-/ready"), 20, "Alertmanager to be ready")
        except AssertionError:
            self.stop()
            raise

    def add(
        self, labels: dict[str, str], *, start: datetime, end: datetime | None = None, **annotations: str
    ) -> None:
        """`amtool alert add` (with --end to resolve it)."""
        command = [
            binary("amtool"),
            f"--alertmanager.url={self.url}",
            "alert",
            "add",
            *(f"{key}={value}" for key, value in labels.items()),
            f"--start={start.isoformat()}",
            *(f"--annotation={key}={value}" for key, value in annotations.items()),
        ]
        if end is not None:
            command.append(f"--end={end.isoformat()}")
        subprocess.run(command, check=True, capture_output=True, timeout=20)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()

"""A local OTLP/HTTP receiver in a child process: accepts and drops every export, counts them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

# HTTP/1.1 keep-alive, as a collector. POST: an export, answered 200 and dropped (parsing it is the
# collector's CPU, not the service's). GET: how many exports arrived, so the bench can check that
# every instrumented variant really ships its spans. Prints its port, then serves until killed.
RECEIVER = """
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

exports = 0
lock = threading.Lock()

class Accept(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        global exports
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            exports += 1
        self.answer(b"", "application/x-protobuf")

    def do_GET(self):
        self.answer(str(exports).encode(), "text/plain")

    def answer(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Accept)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@dataclass(frozen=True)
class Receiver:
    traces_url: str

    def exports(self) -> int:
        """Exports received so far (each one a batch of spans)."""
        return int(httpx.get(self.traces_url, timeout=10).text)


@contextmanager
def otlp_receiver() -> Iterator[Receiver]:
    """An accepting OTLP/HTTP receiver in a child process, stopped after."""
    child = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        yield Receiver(f"http://127.0.0.1:{int(child.stdout.readline())}/v1/traces")
    finally:
        child.terminate()
        child.wait(timeout=10)

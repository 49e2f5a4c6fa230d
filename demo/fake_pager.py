"""A generic outgoing-webhook receiver (a stand-in pager/phone bridge): records signed JSON posts.

    python -m demo.fake_pager --port 8091 --secret S

The scheme it expects, and so what the outgoing-webhook sender must send, on any POST path:

    Content-Type:    application/json
    X-Obs-Timestamp: <unix seconds, an integer>
    X-Obs-Signature: sha256=<hex of hmac_sha256(secret, f"{timestamp}.{raw body}")>
    X-Obs-Delivery:  <optional: a stable id, e.g. the outbox row id, so duplicates can be counted>

A post is valid when the signature matches (compared in constant time) and the timestamp is within
300 s of the receiver's clock: 200 `{"ok": true}`. A bad or missing signature or an old timestamp is
401, a body that is not a JSON object 400; every post is recorded either way. Outage switches as
the fake Slack's (`POST /_admin/faults {"mode": "500"|"429"|"timeout"|"accept_then_500"|
"accept_then_timeout"|"none", "count", "duration", "retry_after", "hold_seconds", "methods": [paths]}`);
`GET /_admin/received`, `POST /_admin/reset`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demo.fake_slack.rules import FaultError, Faults, parse_fault
from demo.fake_slack.server import Holds
from demo.processes import spawn, stop_all, wait_ready

TOLERANCE_SECONDS = 300
PAGER_MODES = frozenset({"500", "429", "timeout", "accept_then_500", "accept_then_timeout"})


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Obs-Signature value for a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_problem(secret: str, headers: Any, body: bytes, now: float) -> str | None:
    """Why a post's signature is not acceptable, or None when it is."""
    timestamp, given = headers.get("x-obs-timestamp", ""), headers.get("x-obs-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()):
        return "X-Obs-Timestamp is missing or not integer seconds"
    if abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return f"X-Obs-Timestamp is more than {TOLERANCE_SECONDS} s away from now"
    if not hmac.compare_digest(given.encode(), sign(secret, timestamp, body).encode()):
        return "X-Obs-Signature does not match sha256 HMAC of '<timestamp>.<body>'"
    return None


@dataclass
class Pager:
    secret: str
    received: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)


async def receive(request: Request) -> Response:
    pager: Pager = request.app.state.pager
    body = await request.body()
    path = "/" + request.path_params["path"]
    post: dict[str, Any] = {
        "seq": len(pager.received) + 1,
        "path": path,
        "time": time.time(),
        "headers": dict(request.headers),
        "delivery_id": request.headers.get("x-obs-delivery"),
        "raw": body.decode("utf-8", errors="replace"),
        "json": None,
        "problem": signature_problem(pager.secret, request.headers, body, time.time()),
        "fault": None,
    }
    pager.received.append(post)
    fault = pager.faults.take(path, time.time())
    if fault is not None:
        post["fault"] = fault.mode
        if fault.mode == "500":
            return _answer(post, 500, {"error": "injected 500"})
        if fault.mode == "429":
            return _answer(post, 429, {"error": "injected 429"}, {"Retry-After": str(fault.retry_after)})
        if fault.mode == "timeout":
            await request.app.state.holds.hold(fault.hold_seconds)
            return _answer(post, 503, {"error": "injected timeout"})
    if post["problem"]:
        return _answer(post, 401, {"error": post["problem"]})
    try:
        post["json"] = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _answer(post, 400, {"error": "body is not JSON"})
    if not isinstance(post["json"], dict):
        return _answer(post, 400, {"error": "body must be a JSON object"})
    if fault is not None and fault.mode == "accept_then_500":
        post["accepted"] = True
        return _answer(post, 500, {"error": "injected 500 after accepting"})
    if fault is not None and fault.mode == "accept_then_timeout":
        await request.app.state.holds.hold(fault.hold_seconds)
    post["accepted"] = True
    return _answer(post, 200, {"ok": True})


def _answer(post: dict[str, Any], status: int, body: dict[str, Any], headers: Any = None) -> Response:
    post["status"] = status
    post.setdefault("accepted", False)
    return JSONResponse(body, status_code=status, headers=headers)


async def received(request: Request) -> Response:
    return JSONResponse(request.app.state.pager.received)


async def faults(request: Request) -> Response:
    pager: Pager = request.app.state.pager
    try:
        spec = json.loads(await request.body() or b"{}")
        if spec.get("mode") == "none":
            pager.faults.clear(spec.get("methods") or [])
            request.app.state.holds.release()
        elif spec.get("mode") not in PAGER_MODES:
            raise FaultError(f"mode must be one of {sorted(PAGER_MODES | {'none'})}")
        else:
            pager.faults.add(parse_fault(spec, time.time()))
    except (FaultError, ValueError, AttributeError) as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
    return JSONResponse(pager.faults.describe(time.time()))


async def reset(request: Request) -> Response:
    request.app.state.holds.release()
    request.app.state.pager = Pager(request.app.state.pager.secret)
    return JSONResponse({"ok": True})


async def healthz(request: Request) -> Response:
    return JSONResponse({"ok": True})


def create_app(secret: str) -> Starlette:
    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/_admin/received", received),
            Route("/_admin/faults", faults, methods=["POST"]),
            Route("/_admin/reset", reset, methods=["POST"]),
            Route("/{path:path}", receive, methods=["POST"]),
        ]
    )
    app.state.pager = Pager(secret)
    app.state.holds = Holds()
    return app


@dataclass
class FakePager:
    """Admin helpers; `url` + any path is a webhook URL the sender may post to."""

    url: str  # e.g. http://127.0.0.1:8091/
    secret: str
    _http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30.0), repr=False)

    def webhook_url(self, path: str = "page") -> str:
        return f"{self.url}{path.lstrip('/')}"

    def received(self) -> list[dict[str, Any]]:
        """Every post: path, headers, raw, json, problem (why the signature failed), status, accepted."""
        return list(self._http.get(f"{self.url}_admin/received").raise_for_status().json())

    def accepted(self) -> list[dict[str, Any]]:
        """The JSON bodies of the validly signed posts it accepted, in arrival order."""
        return [post["json"] for post in self.received() if post["accepted"]]

    def set_fault(self, mode: str, **options: Any) -> list[dict[str, Any]]:
        response = self._http.post(f"{self.url}_admin/faults", json={"mode": mode, **options})
        return list(response.raise_for_status().json())

    def reset(self) -> None:
        self._http.post(f"{self.url}_admin/reset").raise_for_status()

    def close(self) -> None:
        self._http.close()


@contextlib.contextmanager
def run_fake_pager(port: int, log_dir: Path, *, secret: str) -> Iterator[FakePager]:
    """The receiver as a child process logging to <log_dir>/fake-pager.log; stopped by PID on exit."""
    url = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "demo.fake_pager", "--port", str(port), "--secret", secret]
    component = spawn("fake-pager", argv, log_dir=log_dir, url=url)
    pager = FakePager(f"{url}/", secret)
    try:
        wait_ready(component, "/healthz")
        yield pager
    finally:
        pager.close()
        stop_all([component])


def main(argv: list[str] | None = None) -> None:
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m demo.fake_pager", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True, help="the HMAC secret the sender signs with")
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.secret), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

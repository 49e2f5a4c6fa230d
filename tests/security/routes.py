"""Every route the app serves, walked from `app.routes` (included routers flattened)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method in HTTP_METHODS:
                yield method, prefix + route.path


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every HTTP route, in the app's order, HEAD left out."""
    return list(dict.fromkeys(_walk(app.routes, "")))


def concrete(path: str) -> str:
    """A path template with each parameter filled with a value that exists in the seeded service."""
    values = {"incident_id": "1", "slug": "api-down", "version": "1", "file": "graph.png"}
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def sign_in(client: TestClient, token: str) -> Response:
    """Post the sign-in form as a browser does: with the CSRF token its login page set."""
    client.get("/incidents/login")
    csrf = client.cookies.get("obs_login_csrf", "")
    return client.post("/incidents/login", data={"token": token, "csrf": csrf}, follow_redirects=False)

"""`/docs` (Swagger UI) and `/redoc` (ReDoc) with their assets served by the service itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so on a machine without internet they
stay blank. The assets come from the `fastapi-offline` package (MIT; Swagger UI and ReDoc are
MIT-licensed too) and are served under `/docs/assets/`; the app is built with `docs_url=None`
and `redoc_url=None` so that these routes replace FastAPI's.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
REDOC_PATH = "/redoc"
ASSETS_PATH = "/docs/assets"
SWAGGER_JS = "swagger-ui-bundle.js"
SWAGGER_CSS = "swagger-ui.css"
REDOC_JS = "redoc.standalone.js"
FAVICON = "favicon.png"
# Swagger UI would otherwise ask validator.swagger.io about the schema.
_SWAGGER_PARAMETERS = {"validatorUrl": None}
# Nothing but this service: ReDoc's decorative logo from its CDN is refused (and hides itself), and
# the one inline script (Swagger UI's start-up) runs by its hash. ReDoc builds its search worker
# from a blob, and both inject styles.
_DOCS_POLICY = (
    "default-src 'none'; script-src 'self' blob: {hashes}; worker-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def with_policy(page: HTMLResponse) -> HTMLResponse:
    """The page with a Content-Security-Policy allowing only this origin and its own inline scripts."""
    html = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(html)
    )
    page.headers["Content-Security-Policy"] = _DOCS_POLICY.format(hashes=hashes)
    page.headers["X-Content-Type-Options"] = "nosniff"
    return page


def assets_folder() -> Path:
    """Where the installed `fastapi-offline` package keeps Swagger UI and ReDoc."""
    return Path(str(files("fastapi_offline").joinpath("static")))


def _asset(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}{ASSETS_PATH}/{name}"


def _openapi_url(request: Request) -> str:
    return f"{request.scope.get('root_path', '')}{request.app.openapi_url}"


def install(app: FastAPI) -> None:
    """Mount the assets and add `/docs` and `/redoc` (both left out of the OpenAPI schema)."""
    app.mount(ASSETS_PATH, StaticFiles(directory=assets_folder()), name="api-docs-assets")

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        return with_policy(
            get_swagger_ui_html(
                openapi_url=_openapi_url(request),
                title=f"{app.title} - Swagger UI",
                swagger_js_url=_asset(request, SWAGGER_JS),
                swagger_css_url=_asset(request, SWAGGER_CSS),
                swagger_favicon_url=_asset(request, FAVICON),
                swagger_ui_parameters=_SWAGGER_PARAMETERS,
            )
        )

    @app.get(REDOC_PATH, include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        return with_policy(
            get_redoc_html(
                openapi_url=_openapi_url(request),
                title=f"{app.title} - ReDoc",
                redoc_js_url=_asset(request, REDOC_JS),
                redoc_favicon_url=_asset(request, FAVICON),
                with_google_fonts=False,
            )
        )

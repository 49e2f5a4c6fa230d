"""/docs and /redoc: every asset they reference is served by the service itself."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

CONTENT_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".png": "image/png",
    ".json": "application/json",
}


def references(page: str) -> list[str]:
    """Every src/href/spec-url of a page, and the URL Swagger UI is told to load."""
    found = re.findall(r'(?:src|href|spec-url)="([^"]+)"', page)
    found += re.findall(r"url: '([^']+)'", page)
    return found


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_page_references_only_assets_on_this_service(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    found = references(response.text)
    assert len(found) >= 3, found
    for url in found:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), (path, url)
    assert "cdn" not in response.text and "fonts.googleapis" not in response.text


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_every_asset_of_the_docs_page_is_served(client: TestClient, path: str) -> None:
    for url in references(client.get(path).text):
        asset = client.get(url)
        assert asset.status_code == 200, url
        suffix = url[url.rindex(".") :]
        assert asset.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (url, asset.headers)
        assert len(asset.content) > (100_000 if suffix == ".js" else 100), url


def test_swagger_ui_is_the_real_bundle_and_asks_no_validator(client: TestClient) -> None:
    page = client.get("/docs").text
    assert '"validatorUrl": null' in page
    bundle = client.get("/docs/assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle
    assert "Redoc" in client.get("/docs/assets/redoc.standalone.js").text


def test_the_docs_pages_stay_out_of_the_schema_and_the_schema_is_still_served(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/incidents" in schema["paths"]
    assert not {"/docs", "/redoc"} & set(schema["paths"])


def test_an_unknown_asset_is_a_404_and_traversal_reaches_nothing(client: TestClient) -> None:
    assert client.get("/docs/assets/nope.js").status_code == 404
    assert client.get("/docs/assets/../../pyproject.toml").status_code == 404
    assert client.get("/docs/assets/%2e%2e/core.py").status_code == 404


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_policy_allows_this_origin_only_and_the_inline_start_up_by_hash(
    client: TestClient, path: str
) -> None:
    import base64
    import hashlib

    response = client.get(path)
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "img-src 'self' data:" in policy
    assert "http" not in policy and "'unsafe-inline'" not in policy.split("style-src")[0]
    for script in re.findall(r"<script>(.*?)</script>", response.text, re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy

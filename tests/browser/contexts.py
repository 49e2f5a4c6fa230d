"""Browser contexts the site's browser tests share: a viewer by bearer token, JavaScript on or off."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect

from tests.browser.conftest import PAGE_TIMEOUT_MS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Assertions wait as long as actions do: on a loaded machine ReDoc alone takes seconds to render.
expect.set_options(timeout=PAGE_TIMEOUT_MS)


@contextmanager
def browser_page(chromium: Browser, token: str | None = None, **options: Any) -> Iterator[Page]:
    """A page in a fresh context; with `token`, every request carries it as a bearer (as scripts do)."""
    if token is not None:
        options["extra_http_headers"] = {"Authorization": f"Bearer {token}"}
    context = chromium.new_context(**options)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()

"""The site's jinja2 environment (package templates, autoescaped) and its stylesheet."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

_WEB_SCHEMES = ("http", "https")


def web_url(url: str | None) -> str:
    """`url` when it is an http(s) URL, else "": alert annotations must not become javascript: links."""
    if not url:
        return ""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in _WEB_SCHEMES else ""


def utc_time(value: datetime | None) -> str:
    """`2026-03-01 09:00:00 UTC`, or an em dash for no time."""
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "—"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("observability.site", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["web_url"] = web_url
    env.filters["utc"] = utc_time
    return env


def render(template: str, **context: object) -> str:
    """One template rendered with `context`."""
    return environment().get_template(template).render(**context)


@cache
def stylesheet() -> str:
    """The site's CSS (one file, no external assets)."""
    return files("observability.site").joinpath("static", "style.css").read_text(encoding="utf-8")

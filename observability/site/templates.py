"""The site's jinja2 environment (package templates, autoescaped) and its stylesheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.resources import files
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined

from observability.escalation.durations import format_duration

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


def iso_utc(value: datetime) -> str:
    """`2026-03-01T09:00:00Z`: what a `<time datetime>` holds and the page's script reads."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def in_zone(value: datetime, zone: str) -> str:
    """`2026-03-01 10:00 CET`: a time as people read it in an IANA zone (as `obs oncall` prints it)."""
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")


def short_duration(value: timedelta | None) -> str:
    """`1h30m`, or an em dash for none."""
    return format_duration(value) if value is not None else "—"


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
    env.filters["iso_utc"] = iso_utc
    env.filters["in_zone"] = in_zone
    env.filters["duration"] = short_duration
    return env


def render(template: str, **context: object) -> str:
    """One template rendered with `context`."""
    return environment().get_template(template).render(**context)


@cache
def stylesheet() -> str:
    """The site's CSS (one file, no external assets)."""
    return files("observability.site").joinpath("static", "style.css").read_text(encoding="utf-8")


@cache
def local_time_script() -> str:
    """The one script: shows every `<time datetime>` also in the viewer's own time zone."""
    return files("observability.site").joinpath("static", "local-time.js").read_text(encoding="utf-8")

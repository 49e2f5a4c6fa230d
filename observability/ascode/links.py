"""The organisation's URLs, committed once in `pyproject.toml` `[tool.obs]`, that generated content links to.

    [tool.obs]
    public_url = "https://obs.example.org"          # where people reach this service
    grafana_url = "https://grafana.example.org"     # dashboard links: <grafana_url>/d/<uid>
    runbook_base_url = "https://wiki.example/rb"    # <base>/<slug>; default <public_url>/runbooks

`OBS_RUNBOOK_BASE_URL` and `OBS_GRAFANA_URL` override them for a one-off generation.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

CONFIG_FILE = "pyproject.toml"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
DEFAULT_GRAFANA_URL = "http://127.0.0.1:3000"
# Environment variables that override the committed value for one generation, by key.
OVERRIDES = {"runbook_base_url": "OBS_RUNBOOK_BASE_URL", "grafana_url": "OBS_GRAFANA_URL"}


@dataclass(frozen=True)
class Links:
    """Where generated links point: the service, Grafana and the runbooks."""

    public_url: str = DEFAULT_PUBLIC_URL
    grafana_url: str = DEFAULT_GRAFANA_URL
    runbook_base_url: str = f"{DEFAULT_PUBLIC_URL}/runbooks"


def http_url(value: str, name: str) -> str:
    """`value` without a trailing slash if it is an absolute http(s) URL, else ValueError naming `name`."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL, not {value!r}")
    return value.rstrip("/")


def committed_table(root: Path) -> Mapping[str, object]:
    """The `[tool.obs]` table of `root`'s pyproject.toml ({} without one)."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from None
    table = document.get("tool", {}).get("obs", {})
    if not isinstance(table, dict):
        raise ValueError(f"{path}: [tool.obs] must be a table")
    return table


def load_links(root: Path, environ: Mapping[str, str] | None = None) -> Links:
    """The committed links of `root`, with the overrides `environ` sets (None: the committed ones only)."""
    table = committed_table(root)
    values: dict[str, str] = {}
    for key in ("public_url", "grafana_url", "runbook_base_url"):
        variable = OVERRIDES.get(key, "")
        if environ and environ.get(variable):
            values[key] = http_url(environ[variable], variable)
        elif key in table:
            value = table[key]
            if not isinstance(value, str):
                raise ValueError(f"[tool.obs] {key} must be a string, not {value!r}")
            values[key] = http_url(value, f"[tool.obs] {key}")
    public_url = values.get("public_url", DEFAULT_PUBLIC_URL)
    return Links(
        public_url=public_url,
        grafana_url=values.get("grafana_url", DEFAULT_GRAFANA_URL),
        runbook_base_url=values.get("runbook_base_url", f"{public_url}/runbooks"),
    )

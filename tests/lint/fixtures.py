"""Small hand-made generated content for the lint's unit tests (independent of the real generators)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from observability.ascode.lint.content import Content, parse_content

RUNBOOK = """---
title: API is down
alerts: [PlatformApiDown]
service: api
severity: critical
team: platform
dashboards: [obs-api]
---
## Meaning
The API target is down.

## Impact
Clients cannot submit jobs.

## Diagnosis
```promql
up{job="api"}
```

## Mitigation
Restart it.

## Escalation
Page the platform team.
"""


def alert(name: str = "PlatformApiDown", **changes: Any) -> dict[str, Any]:
    """An alerting rule as the generator writes it, with every required label and annotation."""
    rule: dict[str, Any] = {
        "alert": name,
        "expr": 'up{job="api"} == 0',
        "for": "2m",
        "labels": {"severity": "critical", "service": "api", "team": "platform"},
        "annotations": {
            "summary": "The API is down.",
            "description": "{{ $labels.instance }} is down ({{ $value }}).",
            "runbook_url": "http://127.0.0.1:8080/runbooks/api-down",
            "dashboard_url": "http://127.0.0.1:3000/d/obs-api",
        },
    }
    rule.update(changes)
    return rule


def rules_file(*rules: dict[str, Any]) -> str:
    return yaml.safe_dump({"groups": [{"name": "test", "rules": list(rules)}]}, sort_keys=False)


def panel(title: str, x: int, y: int, w: int = 12, h: int = 8, **extra: Any) -> dict[str, Any]:
    return {"title": title, "type": "timeseries", "gridPos": {"x": x, "y": y, "w": w, "h": h}, **extra}


def dashboard(uid: str = "obs-api", panels: list[dict[str, Any]] | None = None, **extra: Any) -> str:
    if panels is None:
        panels = [
            panel(
                "Requests", 0, 0, id=1, targets=[{"expr": "sum(rate(http_requests_total[$__rate_interval]))"}]
            ),
            panel("In flight", 12, 0, id=2, targets=[{"expr": "sum(http_requests_in_flight)"}]),
        ]
    return json.dumps({"uid": uid, "title": uid, "panels": panels, **extra})


def content(rules: str | None = None, dashboards: dict[str, str] | None = None) -> Content:
    rendered: dict[Path, str] = {Path("alerts/generated/api.rules.yml"): rules or rules_file(alert())}
    for slug, text in (dashboards if dashboards is not None else {"api": dashboard()}).items():
        rendered[Path(f"dashboards/generated/{slug}.json")] = text
    return parse_content(rendered)


def repository(tmp_path: Path, runbooks: dict[str, str] | None = None) -> Path:
    """A folder with runbooks/ (by default the one runbook the fixture alert links to)."""
    folder = tmp_path / "runbooks"
    folder.mkdir(parents=True, exist_ok=True)
    for slug, text in (runbooks if runbooks is not None else {"api-down": RUNBOOK}).items():
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
    return tmp_path

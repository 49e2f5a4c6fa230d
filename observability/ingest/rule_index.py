"""Alert name -> the rule's `for`, from the alert rules as code (`alerts/*.py` and the SLO alerts)."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

log = logging.getLogger(__name__)


def load_rule_for(content_root: Path) -> dict[str, timedelta]:
    """Every alert the generator emits, mapped to its `for` (the shortest when names repeat)."""
    from observability.ascode.rules.durations import parse_duration
    from observability.ascode.rules.render import all_alert_rules
    from observability.ascode.rules.sources import AlertSourceError

    try:
        rules = all_alert_rules(content_root)
    except (AlertSourceError, OSError) as exc:
        # Impact starts then fall back to the alerts' own startsAt: worth a warning, not a refusal.
        log.warning(
            "cannot read the alert rules under %s (%s): impact starts ignore `for`", content_root, exc
        )
        return {}
    found: dict[str, timedelta] = {}
    for rule in rules:
        pending = timedelta(seconds=parse_duration(rule.for_))
        found[rule.name] = min(found.get(rule.name, pending), pending)
    return found

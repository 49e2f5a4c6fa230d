"""Load the alert definitions SREs edit: `alerts/<group>.py`, each exposing `RULES`."""

from __future__ import annotations

from pathlib import Path

from observability.ascode.content_modules import ContentModuleError, run_content_module

from .model import AlertRule, RuleGroup

ALERTS_DIR = Path("alerts")
RESERVED_GROUPS = ("slo",)  # alerts/generated/slo.rules.yml comes from the catalog's SLOs


class AlertSourceError(ValueError):
    """An alert definition file that cannot be turned into rules; the message names the file."""


def alert_sources(root: Path) -> list[Path]:
    """The definition files, in name order (files starting with `_` are private modules)."""
    return sorted(path for path in (root / ALERTS_DIR).glob("*.py") if not path.name.startswith("_"))


def load_alert_groups(root: Path) -> list[RuleGroup]:
    """One rule group per definition file, named after it."""
    groups = []
    seen: dict[str, Path] = {}
    for path in alert_sources(root):
        relative = path.relative_to(root)
        if path.stem in RESERVED_GROUPS:
            raise AlertSourceError(f"{relative}: the name {path.stem!r} is reserved for generated SLO rules")
        rules = _rules_of(path, relative)
        for rule in rules:
            if rule.name in seen:
                raise AlertSourceError(f"{relative}: alert {rule.name} is also defined in {seen[rule.name]}")
            seen[rule.name] = relative
        groups.append(RuleGroup(path.stem, tuple(rules)))
    return groups


def _rules_of(path: Path, relative: Path) -> list[AlertRule]:
    try:
        module = run_content_module(path, f"_obs_alerts_{path.stem}")
    except ContentModuleError as exc:
        raise AlertSourceError(f"{relative}: {exc}") from exc
    rules = getattr(module, "RULES", None)
    if not isinstance(rules, list | tuple) or not rules:
        raise AlertSourceError(f"{relative}: must define RULES, a non-empty list of AlertRule")
    for rule in rules:
        if not isinstance(rule, AlertRule):
            raise AlertSourceError(f"{relative}: RULES holds {rule!r}, which is not an AlertRule")
    return list(rules)

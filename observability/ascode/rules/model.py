"""Rules as data: an alert as an SRE writes it, a recording rule, and a group of either."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

from observability.catalog import Service, dashboard, names

from .durations import parse_duration

# kube-prometheus convention: the dead-man's switch alert carries no service prefix and severity none.
WATCHDOG = "Watchdog"
_CAMEL_CASE = re.compile(r"[A-Z][A-Za-z0-9]*")
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Labels the generator sets itself; an alert may not override them through `labels`.
RESERVED_LABELS = (names.SEVERITY, names.SERVICE, names.TEAM, "alertname")


def promql(text: str) -> str:
    """An expression written as an indented triple-quoted string, dedented and without trailing spaces."""
    lines = textwrap.dedent(text).strip().splitlines()
    return "\n".join(line.rstrip() for line in lines)


@dataclass(frozen=True)
class AlertRule:
    """One alerting rule with the labels and annotations every alert of this platform carries."""

    name: str
    expr: str
    severity: str
    service: Service
    summary: str  # a static sentence: no templating, so it reads the same in every notification
    description: str  # templated with {{ $labels.x }} and {{ $value }}
    runbook: str  # slug of runbooks/<slug>.md
    for_: str = "0s"
    dashboard: str = ""  # dashboard slug in the catalog; the service's own dashboard when empty
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "expr", promql(self.expr))
        object.__setattr__(self, "description", " ".join(self.description.split()))
        object.__setattr__(self, "summary", " ".join(self.summary.split()))
        problems = list(self._problems())
        if problems:
            raise ValueError(f"alert {self.name!r}: " + "; ".join(problems))

    @property
    def waits_for_discovery(self) -> bool:
        """Fires on series not scraped yet (absent()): its `for` must outlast Prometheus starting."""
        return "absent(" in self.expr

    @property
    def dashboard_uid(self) -> str:
        return dashboard(self.dashboard or self.service.dashboard).uid

    def _problems(self) -> list[str]:
        problems = []
        if not _CAMEL_CASE.fullmatch(self.name):
            problems.append("name must be CamelCase")
        if self.name != WATCHDOG and not self.name.startswith(self.service.alert_prefix):
            prefix = self.service.alert_prefix
            problems.append(f"name must start with the {self.service.name} prefix {prefix!r}")
        allowed = (names.NONE,) if self.name == WATCHDOG else names.SEVERITIES
        if self.severity not in allowed:
            problems.append(f"severity {self.severity!r} is not one of {', '.join(allowed)}")
        if not self.expr:
            problems.append("expr is empty")
        if not self.summary or "{{" in self.summary:
            problems.append("summary must be a non-empty static sentence (no {{ templating }})")
        if not self.description:
            problems.append("description is empty")
        if not _SLUG.fullmatch(self.runbook):
            problems.append(f"runbook {self.runbook!r} is not a slug like 'api-errors'")
        try:
            parse_duration(self.for_)
        except ValueError as exc:
            problems.append(str(exc))
        try:
            self.dashboard_uid  # noqa: B018 - resolves the slug, raising KeyError when unknown
        except KeyError as exc:
            problems.append(str(exc.args[0]))
        for label in self.labels:
            if label in RESERVED_LABELS or not _LABEL_NAME.fullmatch(label):
                problems.append(f"label {label!r} is reserved or not a valid label name")
        return problems


@dataclass(frozen=True)
class RecordingRule:
    """A recorded series, e.g. an SLI's error ratio over one window."""

    record: str
    expr: str
    labels: Mapping[str, str] = field(default_factory=dict)


Rule = AlertRule | RecordingRule


@dataclass(frozen=True)
class RuleGroup:
    """A Prometheus rule group: its rules are evaluated in order, so recordings come first."""

    name: str
    rules: tuple[Rule, ...]

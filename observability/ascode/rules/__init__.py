"""Prometheus rules as code: alert definitions in alerts/*.py plus SLO burn-rate rules from the catalog."""

from .expressions import above, rate_ratio, sum_increase, sum_rate
from .model import AlertRule, RecordingRule, RuleGroup, promql
from .profile import FAST, PRODUCTION, PROFILES, Profile, profile_named
from .render import GENERATED_DIR, all_alert_rules, render_rules
from .scrape_targets import target_down_alert
from .selectors import not_equal, not_regex, regex, series
from .sources import AlertSourceError, load_alert_groups

__all__ = [
    "FAST",
    "GENERATED_DIR",
    "PRODUCTION",
    "PROFILES",
    "AlertRule",
    "AlertSourceError",
    "Profile",
    "RecordingRule",
    "RuleGroup",
    "above",
    "all_alert_rules",
    "load_alert_groups",
    "not_equal",
    "not_regex",
    "profile_named",
    "promql",
    "rate_ratio",
    "regex",
    "render_rules",
    "series",
    "sum_increase",
    "sum_rate",
    "target_down_alert",
]

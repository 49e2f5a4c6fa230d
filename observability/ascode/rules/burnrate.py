"""SLO rules: SLI error ratios per window, objective and budget, multiwindow multi-burn-rate alerts.

The maths of the SRE workbook ("Alerting on SLOs"): an alert fires when the error ratio over a
long window AND over a short window both exceed `factor * (1 - objective)`; the short window
makes the alert stop soon after the burn stops.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from observability.catalog import BURN_RATE_WINDOWS, SLO, SLOS, BurnRateWindow, names, service

from .durations import format_duration, parse_duration
from .model import AlertRule, RecordingRule, RuleGroup, promql

WINDOW_PLACEHOLDER = "{window}"
OVERVIEW_DASHBOARD = "platform-overview"
OBJECTIVE_RECORD = "slo:objective:ratio"
ERROR_BUDGET_RECORD = "slo:error_budget:ratio"
BUDGET_REMAINING_RECORD = "slo:error_budget_remaining:ratio"
LONG_WINDOW = "long_window"
SHORT_WINDOW = "short_window"


def sli_record(window: str) -> str:
    """Name of the recorded SLI error ratio over `window`, e.g. slo:sli_error:ratio_rate5m."""
    return f"slo:sli_error:ratio_rate{window}"


def sli_windows(windows: Iterable[BurnRateWindow] = BURN_RATE_WINDOWS) -> tuple[str, ...]:
    """Every window an alert reads, shortest first."""
    found = {w for pair in windows for w in (pair.long, pair.short)}
    return tuple(sorted(found, key=parse_duration))


def with_window(expression: str, window: str) -> str:
    """The SLO expression over `window`: text replacement, because PromQL has braces of its own."""
    if WINDOW_PLACEHOLDER not in expression:
        raise ValueError(f"SLO expression has no {WINDOW_PLACEHOLDER} placeholder: {expression}")
    return expression.replace(WINDOW_PLACEHOLDER, window)


def error_budget(objective: float) -> Decimal:
    """1 - objective, exactly: 0.999 gives 0.001, not 0.0010000000000000009."""
    if not 0 < objective < 1:
        raise ValueError(f"an SLO objective is a ratio strictly between 0 and 1, not {objective}")
    return 1 - Decimal(str(objective))


def burn_threshold(factor: float, objective: float) -> Decimal:
    """The error ratio that burns the budget `factor` times faster than sustainable."""
    return Decimal(str(factor)) * error_budget(objective)


def budget_exhausted_after(slo: SLO, factor: float) -> str:
    """How long the whole SLO-period budget lasts at this burn rate, e.g. 50h at 14.4x over 30d."""
    seconds = Decimal(slo.window_days * 86400) / Decimal(str(factor))
    return format_duration(int(seconds.to_integral_value()) // 60 * 60)


def alert_name(slo: SLO) -> str:
    """The service prefix plus the CamelCased SLO name, without repeating the service's word."""
    prefix = service(slo.service).alert_prefix
    words = [word.capitalize() for word in slo.name.split("-")]
    if words and re.findall(r"[A-Z][a-z0-9]*", prefix)[-1:] == words[:1]:
        words = words[1:]
    return prefix + "".join(words) + "ErrorBudgetBurn"


def sli_rules(slo: SLO) -> list[RecordingRule]:
    """The SLI per window, the objective, the budget, and the budget left over the SLO period."""
    label = {names.SLO: slo.name}
    selector = f'{{{names.SLO}="{slo.name}"}}'
    # `or vector(0)`: before the first error the errors side is empty, and the SLI is 0, not absent.
    rules = [
        RecordingRule(
            sli_record(window),
            promql(f"""
                (({with_window(slo.errors, window)}) or vector(0))
                /
                ({with_window(slo.total, window)})
            """),
            label,
        )
        for window in sli_windows()
    ]
    period = f"{slo.window_days}d"
    shortest = sli_record(sli_windows()[0])
    rules += [
        RecordingRule(OBJECTIVE_RECORD, f"vector({_plain(Decimal(str(slo.objective)))})", label),
        RecordingRule(ERROR_BUDGET_RECORD, f"vector({_plain(error_budget(slo.objective))})", label),
        RecordingRule(sli_record(period), f"avg_over_time({shortest}{selector}[{period}])", label),
        RecordingRule(
            BUDGET_REMAINING_RECORD,
            f"1 - {sli_record(period)}{selector} / {ERROR_BUDGET_RECORD}{selector}",
            label,
        ),
    ]
    return rules


def burn_rate_alerts(slo: SLO, windows: Iterable[BurnRateWindow] = BURN_RATE_WINDOWS) -> list[AlertRule]:
    """One alert rule per window pair; they share a name and differ by their window labels."""
    owner = service(slo.service)
    selector = f'{{{names.SLO}="{slo.name}"}}'
    objective_percent = _percent(Decimal(str(slo.objective)))
    budget_percent = _percent(error_budget(slo.objective))
    rules = []
    for pair in windows:
        threshold = _plain(burn_threshold(pair.factor, slo.objective))
        rules.append(
            AlertRule(
                name=alert_name(slo),
                expr=promql(f"""
                    {sli_record(pair.long)}{selector} > {threshold}
                    and
                    {sli_record(pair.short)}{selector} > {threshold}
                """),
                for_=pair.for_,
                severity=pair.severity,
                service=owner,
                summary=f"{slo.title} is burning its error budget {pair.factor:g}x faster than sustainable.",
                description=(
                    # Static windows: $labels holds the series' labels, not the rule's own.
                    f"{{{{ $value | humanizePercentage }}}} of events were bad over the last {pair.long} "
                    f"(and over the last {pair.short}) "
                    f"for SLO {{{{ $labels.{names.SLO} }}}} ({objective_percent} objective, "
                    f"{budget_percent} error budget). At this rate the whole {slo.window_days}-day budget is "
                    f"spent in {budget_exhausted_after(slo, pair.factor)}."
                ),
                runbook=slo.runbook or f"slo-{slo.name}",
                dashboard=OVERVIEW_DASHBOARD,
                labels={names.SLO: slo.name, LONG_WINDOW: pair.long, SHORT_WINDOW: pair.short},
            )
        )
    return rules


def slo_groups(slos: Iterable[SLO] = SLOS) -> tuple[RuleGroup, ...]:
    """One group per SLO: its recordings first, then the alerts that read them."""
    return tuple(RuleGroup(f"slo-{slo.name}", (*sli_rules(slo), *burn_rate_alerts(slo))) for slo in slos)


def _plain(number: Decimal) -> str:
    """A PromQL number literal without trailing zeros or exponent: 0.006, not 0.0060 or 6E-3."""
    return f"{number.normalize():f}"


def _percent(ratio: Decimal) -> str:
    return _plain(ratio * 100) + "%"

"""SLO maths for panels: SLIs and budgets from the raw SLO expressions, burn rates from recording rules."""

from __future__ import annotations

from observability.ascode.rules.burnrate import error_budget, sli_record, sli_windows, with_window
from observability.catalog import SLO
from observability.catalog import names as n

from .queries import eq, ratio, zero_if_absent


def burn_rate_windows() -> list[str]:
    """Every window the burn-rate alerts evaluate (and the rules record), shortest first."""
    return list(sli_windows())


def compliance_window(slo: SLO) -> str:
    return f"{slo.window_days}d"


def budget(slo: SLO) -> str:
    """The allowed error ratio, 1 - objective, as written in PromQL (0.001, not 0.0010000000000000009)."""
    return str(error_budget(slo.objective))


def error_ratio(slo: SLO, window: str) -> str:
    """Bad events over all events across `window`, straight from the raw series (no bad events yet: 0)."""
    return ratio(zero_if_absent(with_window(slo.errors, window)), f"({with_window(slo.total, window)})")


def sli(slo: SLO, window: str) -> str:
    """The share of good events across `window`."""
    return f"1 - (\n{error_ratio(slo, window)}\n)"


def budget_remaining(slo: SLO, window: str) -> str:
    """The share of the window's error budget not yet spent (negative once overspent)."""
    return f"1 - (\n{error_ratio(slo, window)}\n) / {budget(slo)}"


def burn_rate(slo: SLO, window: str) -> str:
    """How many times faster than sustainable the budget burns over `window` (1 = exactly on budget)."""
    return f"{sli_record(window)}{{{eq(n.SLO, slo.name)}}} / {budget(slo)}"

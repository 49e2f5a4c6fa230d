"""SLO maths for panels: SLIs and budgets from the raw SLO expressions, burn rates from recording rules."""

from __future__ import annotations

from observability.catalog import BURN_RATE_WINDOWS, SLO
from observability.catalog import names as n

from .queries import eq

# Sloth's naming convention, produced by the alert generator's recording rules.
SLI_ERROR_RECORD_PREFIX = "slo:sli_error:ratio_rate"

_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}


def _seconds(window: str) -> int:
    return int(window[:-1]) * _UNIT_SECONDS[window[-1]]


def burn_rate_windows() -> list[str]:
    """Every window the burn-rate alerts evaluate, shortest first."""
    windows = {w for pair in BURN_RATE_WINDOWS for w in (pair.long, pair.short)}
    return sorted(windows, key=_seconds)


def sli_error_record(window: str) -> str:
    """The recorded error ratio of every SLO over one window (label `slo` tells them apart)."""
    return f"{SLI_ERROR_RECORD_PREFIX}{window}"


def compliance_window(slo: SLO) -> str:
    return f"{slo.window_days}d"


def error_budget(slo: SLO) -> str:
    """The allowed error ratio, 1 - objective, without float noise (0.001, not 0.0010000000000000009)."""
    return f"{round(1 - slo.objective, 10):g}"


def error_ratio(slo: SLO, window: str) -> str:
    """Bad events over all events across `window`, straight from the raw series."""
    errors = slo.errors.replace("{window}", window)
    events = slo.total.replace("{window}", window)
    return f"({errors})\n/\n({events})"


def sli(slo: SLO, window: str) -> str:
    """The share of good events across `window`."""
    return f"1 - (\n{error_ratio(slo, window)}\n)"


def budget_remaining(slo: SLO, window: str) -> str:
    """The share of the window's error budget not yet spent (negative once overspent)."""
    return f"1 - (\n{error_ratio(slo, window)}\n) / {error_budget(slo)}"


def burn_rate(slo: SLO, window: str) -> str:
    """How many times faster than sustainable the budget burns over `window` (1 = exactly on budget)."""
    return f"{sli_error_record(window)}{{{eq(n.SLO, slo.name)}}} / {error_budget(slo)}"

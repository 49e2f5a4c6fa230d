"""Burn-rate windows for SLO alerts, as data (Google SRE workbook, "Alerting on SLOs")."""

from __future__ import annotations

from . import names as n
from .model import BurnRateWindow

# 14.4x burns 2 % of a 30-day budget in 1 h; 6x burns 5 % in 6 h; 3x and 1x are slow leaks.
BURN_RATE_WINDOWS = (
    BurnRateWindow(n.CRITICAL, "1h", "5m", 14.4, "2m", "page-fast"),
    BurnRateWindow(n.CRITICAL, "6h", "30m", 6.0, "15m", "page-slow"),
    BurnRateWindow(n.WARNING, "1d", "2h", 3.0, "1h", "ticket-fast"),
    BurnRateWindow(n.WARNING, "3d", "6h", 1.0, "3h", "ticket-slow"),
)

"""Prometheus durations ("90s", "1h30m", "3d") as whole seconds, and back."""

from __future__ import annotations

import re

UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([ywdhms])")
DURATION_PATTERN = r"(?:\d+[ywdhms])+"
_WHOLE = re.compile(DURATION_PATTERN)


def parse_duration(text: str) -> int:
    """Whole seconds in a Prometheus duration; sub-second units are not used by our rules."""
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"{text!r} is not a Prometheus duration in whole seconds (like 30s, 5m, 1h30m, 3d)")
    return sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in _PART.findall(text))


def format_duration(seconds: int) -> str:
    """The shortest single-unit spelling that is exact: 3600 -> "1h", 90 -> "90s", 0 -> "0s"."""
    if seconds < 0:
        raise ValueError(f"a duration cannot be negative ({seconds}s)")
    for unit, size in UNIT_SECONDS.items():
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return "0s"

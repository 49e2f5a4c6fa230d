"""Durations as people write them in the matrix and on the command line: `90s`, `10m`, `1h30m`, `7d`."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"^(?P<sign>-)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")


def parse_duration(text: object) -> timedelta:
    """`1h30m` -> timedelta; a leading `-` gives a negative duration (the caller decides if allowed)."""
    if isinstance(text, timedelta):
        return text
    if not isinstance(text, str):
        raise ValueError(f"expected a duration such as '10m' or '1h30m', got {text!r}")
    match = _DURATION.match(text.strip())
    if not match or not any(match.group(unit) for unit in "dhms"):
        raise ValueError(f"{text!r} is not a duration (write e.g. '90s', '10m', '1h30m', '7d')")
    value = timedelta(
        days=int(match["d"] or 0),
        hours=int(match["h"] or 0),
        minutes=int(match["m"] or 0),
        seconds=int(match["s"] or 0),
    )
    return -value if match["sign"] else value


def format_duration(value: timedelta) -> str:
    """The shortest `parse_duration` spelling of `value` (`0s` for zero)."""
    seconds = int(value.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + ("".join(parts) or "0s")

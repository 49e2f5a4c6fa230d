"""Slack's rules the fake enforces: channel names, the per-channel message rate, and outage switches."""

from __future__ import annotations

import math
import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

CHANNEL_NAME_MAX = 80
_CHANNEL_NAME = re.compile(r"[a-z0-9_-]+")
_PUNCTUATION_ONLY = re.compile(r"[_-]+")

# Methods that count towards "about one message per second per channel".
RATE_LIMITED_METHODS = frozenset({"chat.postMessage", "chat.update"})

FAULT_MODES = frozenset(
    {"500", "429", "timeout", "message_limit_exceeded", "accept_then_500", "accept_then_timeout"}
)
# Faults that run the method (the message is stored) and then fail the response.
ACCEPTING_MODES = frozenset({"accept_then_500", "accept_then_timeout"})
MAX_HOLD_SECONDS = 60.0


def channel_name_error(name: str) -> str | None:
    """Slack's error for a conversations.create name, or None when the name is valid."""
    if not name:
        return "invalid_name_required"
    if len(name) > CHANNEL_NAME_MAX:
        return "invalid_name_maxlength"
    if not _CHANNEL_NAME.fullmatch(name):
        return "invalid_name_specials"
    if _PUNCTUATION_ONLY.fullmatch(name):
        return "invalid_name_punctuation"
    return None


@dataclass
class RateWindow:
    """At most `limit` accepted messages per channel in any `window` seconds (a sliding window)."""

    limit: int = 1
    window: float = 1.0
    enforce: bool = True
    accepted: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    history: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    rejected: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def retry_after(self, channel: str, now: float) -> int | None:
        """Seconds to wait before `channel` takes another message, or None when it takes one now."""
        recent = self.accepted[channel]
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) < self.limit or not self.enforce:
            return None
        return max(1, math.ceil(recent[0] + self.window - now))

    def reject(self, channel: str) -> None:
        self.rejected[channel] += 1

    def accept(self, channel: str, now: float) -> None:
        self.accepted[channel].append(now)
        self.history[channel].append(now)

    def report(self) -> dict[str, Any]:
        """Per channel: accepted count, the most accepted in any window, rejections, and any excess."""
        channels = {}
        for channel in set(self.history) | set(self.rejected):
            times = sorted(self.history.get(channel, []))
            busiest = _busiest_window(times, self.window)
            channels[channel] = {
                "accepted": len(times),
                "max_in_window": busiest,
                "rejected": self.rejected.get(channel, 0),
                "exceeded": busiest > self.limit,
            }
        return {"limit": self.limit, "window": self.window, "enforce": self.enforce, "channels": channels}


def _busiest_window(times: list[float], window: float) -> int:
    busiest, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


@dataclass
class Fault:
    """One outage switch: what to answer, for which methods, until when (fake clock), how many times."""

    mode: str
    methods: frozenset[str] = frozenset()  # empty: every Web API method
    retry_after: int = 30
    until: float | None = None
    remaining: int | None = None
    hold_seconds: float = 10.0

    def live(self, now: float) -> bool:
        over = self.until is not None and now >= self.until
        return not over and (self.remaining is None or self.remaining > 0)

    def applies(self, method: str, now: float) -> bool:
        return self.live(now) and (not self.methods or method in self.methods)

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "live": self.live(now),
            "methods": sorted(self.methods),
            "retry_after": self.retry_after,
            "until": self.until,
            "remaining": self.remaining,
            "hold_seconds": self.hold_seconds,
        }


class FaultError(ValueError):
    """A fault request the fake cannot honour (unknown mode, bad numbers)."""


def parse_fault(spec: dict[str, Any], now: float) -> Fault:
    """A Fault from the admin API's JSON: mode, methods, retry_after, until | duration, count, hold."""
    mode = str(spec.get("mode", ""))
    if mode not in FAULT_MODES:
        raise FaultError(f"mode must be one of {sorted(FAULT_MODES | {'none'})}, not {mode!r}")
    methods = spec.get("methods") or []
    if not isinstance(methods, list) or not all(isinstance(m, str) for m in methods):
        raise FaultError("methods must be a list of Web API method names")
    try:
        until = float(spec["until"]) if spec.get("until") is not None else None
        if spec.get("duration") is not None:
            until = now + float(spec["duration"])
        remaining = int(spec["count"]) if spec.get("count") is not None else None
        retry_after = int(spec.get("retry_after", 30))
        hold = min(float(spec.get("hold_seconds", 10.0)), MAX_HOLD_SECONDS)
    except (TypeError, ValueError) as exc:
        raise FaultError(f"until, duration, count, retry_after and hold_seconds are numbers: {exc}") from exc
    return Fault(mode, frozenset(methods), max(retry_after, 0), until, remaining, max(hold, 0.0))


@dataclass
class Faults:
    """The active outage switches; the first that applies to a call wins."""

    active: list[Fault] = field(default_factory=list)

    def add(self, fault: Fault) -> None:
        self.active.append(fault)

    def clear(self, methods: Iterable[str] = ()) -> None:
        wanted = frozenset(methods)
        if not wanted:
            self.active.clear()
        else:
            self.active = [f for f in self.active if not f.methods or not f.methods <= wanted]

    def take(self, method: str, now: float) -> Fault | None:
        """The fault for this call (counting it down), or None when the call goes through."""
        for fault in self.active:
            if fault.applies(method, now):
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def describe(self, now: float) -> list[dict[str, Any]]:
        return [fault.describe(now) for fault in self.active]

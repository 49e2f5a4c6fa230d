"""Run-time fault knobs shared by the mock services: error ratio, added latency, full outage."""

from __future__ import annotations

import random
import threading

from pydantic import BaseModel, Field


class FaultSettings(BaseModel):
    """Faults to inject; POST a subset of the fields to change only those."""

    error_ratio: float = Field(default=0.0, ge=0.0, le=1.0, description="share of calls answered with a 5xx")
    latency_seconds: float = Field(default=0.0, ge=0.0, le=30.0, description="added to every call")
    outage: bool = Field(default=False, description="every call fails with 503")


class FaultUpdate(BaseModel):
    error_ratio: float | None = Field(default=None, ge=0.0, le=1.0)
    latency_seconds: float | None = Field(default=None, ge=0.0, le=30.0)
    outage: bool | None = None


class FaultState:
    """The current faults of one process, safe to read from request threads."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._rng = rng or random.Random()

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def update(self, change: FaultUpdate) -> FaultSettings:
        with self._lock:
            merged = self._settings.model_dump() | change.model_dump(exclude_none=True)
            self._settings = FaultSettings(**merged)
            return self._settings

    def should_fail(self) -> bool:
        """True when this call is to fail (outage, or the error-ratio dice say so)."""
        current = self._settings
        return current.outage or (current.error_ratio > 0 and self._rng.random() < current.error_ratio)

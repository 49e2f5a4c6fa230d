"""The fake's clock: wall time by default; a test may advance, set or freeze it through the admin API."""

from __future__ import annotations

import time
from collections.abc import Callable


class DrivenClock:
    """Epoch seconds = wall time + an offset the test moves; frozen, it only moves when advanced."""

    def __init__(self, wall: Callable[[], float] = time.time) -> None:
        self._wall = wall
        self._offset = 0.0
        self._frozen_at: float | None = None

    def now(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return self._wall() + self._offset

    def advance(self, seconds: float) -> float:
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds
        return self.now()

    def set(self, epoch: float) -> float:
        if self._frozen_at is not None:
            self._frozen_at = epoch
        else:
            self._offset = epoch - self._wall()
        return self.now()

    def freeze(self, frozen: bool) -> float:
        now = self.now()
        if frozen:
            self._frozen_at = now
        else:
            self._frozen_at = None
            self._offset = now - self._wall()
        return now

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def reset(self) -> None:
        self._offset = 0.0
        self._frozen_at = None

    def describe(self) -> dict[str, object]:
        return {"now": self.now(), "offset": self.now() - self._wall(), "frozen": self.frozen}

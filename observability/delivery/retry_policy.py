"""When to try a failed delivery again: exponential backoff with jitter, Retry-After, and giving up."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff doubles from `base` up to `cap`; a row older than `dead_after` is a dead letter."""

    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)
    dead_after: timedelta = timedelta(hours=1)

    def backoff(self, attempts: int, rand: random.Random | None = None) -> timedelta:
        """The wait after the `attempts`-th failure: half fixed, half random ("equal jitter")."""
        ceiling = min(self.cap, self.base * (2 ** min(max(attempts - 1, 0), 30)))
        fraction = (rand or random).random()
        return ceiling / 2 + ceiling / 2 * fraction

    def next_attempt_at(
        self, now: datetime, attempts: int, retry_after: float | None, rand: random.Random | None = None
    ) -> datetime:
        """After a rate limit exactly its Retry-After (plus up to 10 % jitter), else the backoff.

        A rate limit is not a failure of the receiver: waiting longer than it asks only delays.
        """
        if retry_after is not None:
            return now + timedelta(seconds=retry_after) * (1 + 0.1 * (rand or random).random())
        return now + self.backoff(attempts, rand)

    def is_dead(self, created_at: datetime, now: datetime) -> bool:
        return now - created_at >= self.dead_after

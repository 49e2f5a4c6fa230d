"""Where Slack shows an incident: which severities get their own channel, the shared channel, storms.

The app binds one `SlackRouting` to its sessionmaker (like telemetry), so every state change's
transaction can write its Slack rows; a session without one (a CLI, Slack off) writes none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from observability.escalation.matrix import Matrix, Policy

ROUTING_KEY = "obs.delivery.routing"


@dataclass(frozen=True)
class SlackRouting:
    """Severities in `channel_severities` get a channel each; others post to a shared channel.

    The shared channel is the first channel target of the incident's policy, else `alerts_channel`.
    More than `storm_threshold` incidents within `storm_window` in one shared channel: a digest.
    """

    matrix: Callable[[], Matrix]
    channel_severities: frozenset[str]
    alerts_channel: str
    storm_threshold: int
    storm_window: timedelta

    def shared_channel(self, policy: Policy) -> str:
        for step in policy.steps:
            for target in step.targets:
                if target.channel:
                    return target.channel
        return self.alerts_channel

    def bind(self, sessions: sessionmaker[Session]) -> None:
        """Make the sessions of `sessions` write Slack rows with this routing."""
        info = dict(sessions.kw.get("info") or {})
        info[ROUTING_KEY] = self
        sessions.configure(info=info)


def routing_of(session: Session) -> SlackRouting | None:
    return session.info.get(ROUTING_KEY)

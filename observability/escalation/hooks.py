"""What the incident lifecycle tells escalation, inside the lifecycle's own transaction.

- opened: plan round 0 of the matching policy from `now`;
- acknowledged: cancel what is pending; if the policy has an ack timeout, plan the next round
  from `now + ack_timeout` (the re-arm: it fires unless someone resolves or acknowledges again);
- resolved: cancel what is pending;
- reopened: cancel what is pending and plan a fresh round from `now`;
- escalate now (a person's request): the next pending step becomes due `now`; with none pending
  (acknowledged, no ack timeout) a fresh round is planned from `now`.

The matrix is the one the service loaded at start (`use_matrix`); a process that never called it
(a CLI, a script) loads the configured one on first use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from observability.catalog import names
from observability.escalation import steps
from observability.escalation.matrix import Matrix, Policy
from observability.escalation.plan import escalation_plan, rearmed_plan

_active: Matrix | None = None


class IncidentLike(Protocol):
    """What the hooks read of an incident (an ORM Incident or a row of the incidents table)."""

    id: Any
    service: str
    severity: str


def use_matrix(matrix: Matrix | None) -> None:
    """Make `matrix` the one every hook plans with (None: load the configured one on next use)."""
    global _active
    _active = matrix


def active_matrix() -> Matrix:
    """The matrix in use, loading the configured one if none was set."""
    global _active
    if _active is None:
        from observability.config import load_settings
        from observability.escalation.loading import load_matrix

        _active = load_matrix(load_settings().matrix_path)
    return _active


def incident_labels(incident: IncidentLike) -> dict[str, str]:
    """The labels policies match on: the group's, with the incident's service and severity."""
    labels = dict(getattr(incident, "group_labels", None) or {})
    labels[names.SERVICE] = incident.service
    labels[names.SEVERITY] = incident.severity
    return labels


def on_opened(session: Session, incident: IncidentLike, now: datetime) -> None:
    policy = active_matrix().policy_for(incident_labels(incident))
    steps.schedule(session, incident.id, escalation_plan(policy, now, round=0), now)


def on_acknowledged(session: Session, incident: IncidentLike, now: datetime) -> None:
    steps.cancel_pending(session, incident.id, now, "acknowledged")
    policy = _policy_of(session, incident)
    steps.schedule(
        session, incident.id, rearmed_plan(policy, now, steps.next_round(session, incident.id)), now
    )


def on_resolved(session: Session, incident: IncidentLike, now: datetime) -> None:
    steps.cancel_pending(session, incident.id, now, "resolved")


def on_reopened(session: Session, incident: IncidentLike, now: datetime) -> None:
    steps.cancel_pending(session, incident.id, now, "reopened")
    policy = active_matrix().policy_for(incident_labels(incident))
    steps.schedule(
        session, incident.id, escalation_plan(policy, now, round=steps.next_round(session, incident.id)), now
    )


def on_escalate_now(session: Session, incident: IncidentLike, now: datetime) -> None:
    if steps.bring_forward(session, incident.id, now):
        return
    policy = _policy_of(session, incident)
    steps.schedule(
        session, incident.id, escalation_plan(policy, now, round=steps.next_round(session, incident.id)), now
    )


def _policy_of(session: Session, incident: IncidentLike) -> Policy:
    # Keep the policy the incident escalated under, unless a matrix reload dropped it.
    matrix = active_matrix()
    planned = steps.current_policy(session, incident.id)
    return (planned and matrix.policy(planned)) or matrix.policy_for(incident_labels(incident))

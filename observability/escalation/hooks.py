"""What the incident lifecycle tells escalation, inside the lifecycle's own transaction.

- opened: plan round 0 of the matching policy from `now`;
- acknowledged: cancel what is pending; if the policy has an ack timeout, plan the next round
  from `now + ack_timeout` (the re-arm: it fires unless someone resolves or acknowledges again);
- resolved: cancel what is pending;
- reopened: cancel what is pending and plan a fresh round from `now`;
- severity changed: when the new severity's policy is another one, cancel what is pending and plan
  a round of the new policy from `now` (an acknowledged incident: its re-arm, from `now`); steps
  already fired stay as they were.

Every hook takes the matrix its caller was given (the app loads it once, `app.state.matrix`; a CLI
command loads it once at start): nothing here reads the environment or keeps state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from observability.catalog import names
from observability.escalation import steps
from observability.escalation.matrix import Matrix, Policy
from observability.escalation.plan import escalation_plan, rearmed_plan


class IncidentLike(Protocol):
    """What the hooks read of an incident (an ORM Incident or a row of the incidents table)."""

    id: Any
    service: str
    severity: str


def incident_labels(incident: IncidentLike) -> dict[str, str]:
    """The labels policies match on: the group's, with the incident's service and severity."""
    labels = dict(getattr(incident, "group_labels", None) or {})
    labels[names.SERVICE] = incident.service
    labels[names.SEVERITY] = incident.severity
    return labels


def on_opened(session: Session, incident: IncidentLike, now: datetime, matrix: Matrix) -> None:
    policy = matrix.policy_for(incident_labels(incident))
    steps.schedule(session, incident.id, escalation_plan(policy, now, round=0), now)


def on_acknowledged(session: Session, incident: IncidentLike, now: datetime, matrix: Matrix) -> None:
    steps.cancel_pending(session, incident.id, now, "acknowledged")
    policy = policy_of(session, incident, matrix)
    steps.schedule(
        session, incident.id, rearmed_plan(policy, now, steps.next_round(session, incident.id)), now
    )


def on_resolved(session: Session, incident: IncidentLike, now: datetime) -> None:
    steps.cancel_pending(session, incident.id, now, "resolved")


def on_reopened(session: Session, incident: IncidentLike, now: datetime, matrix: Matrix) -> None:
    steps.cancel_pending(session, incident.id, now, "reopened")
    policy = matrix.policy_for(incident_labels(incident))
    steps.schedule(
        session, incident.id, escalation_plan(policy, now, round=steps.next_round(session, incident.id)), now
    )


@dataclass(frozen=True)
class Replanned:
    """A severity change's new plan: its policy, and how many steps it cancelled and planned."""

    policy: str
    cancelled: int
    planned: int


def on_severity_changed(
    session: Session,
    incident: IncidentLike,
    now: datetime,
    matrix: Matrix,
    *,
    previous_severity: str,
    acknowledged: bool,
) -> Replanned | None:
    """Re-plan under the policy of the incident's new severity; None when the old one's is the same.

    (Compared by severity, not by the rows: an acknowledged incident's re-arm may have planned none.)
    """
    labels = incident_labels(incident)
    policy = matrix.policy_for(labels)
    if policy.id == matrix.policy_for({**labels, names.SEVERITY: previous_severity}).id:
        return None
    cancelled = steps.cancel_pending(session, incident.id, now, "severity changed")
    round = steps.next_round(session, incident.id)
    plan = rearmed_plan(policy, now, round) if acknowledged else escalation_plan(policy, now, round)
    steps.schedule(session, incident.id, plan, now)
    return Replanned(policy.id, cancelled, len(plan))


def policy_of(session: Session, incident: IncidentLike, matrix: Matrix) -> Policy:
    """The policy the incident escalates under (its latest round's, unless the matrix dropped it)."""
    planned = steps.current_policy(session, incident.id)
    return (planned and matrix.policy(planned)) or matrix.policy_for(incident_labels(incident))

"""Errors the incident service raises; the HTTP layer maps them to 404 and 409."""

from __future__ import annotations


class IncidentNotFound(LookupError):
    """No incident has this id."""

    def __init__(self, incident_id: int) -> None:
        super().__init__(f"incident {incident_id} not found")
        self.incident_id = incident_id


class InvalidTransition(ValueError):
    """The incident cannot move to the requested state from the one it is in."""

    def __init__(self, incident_id: int, status: str, action: str) -> None:
        super().__init__(f"incident {incident_id} is {status}: cannot {action} it")
        self.incident_id = incident_id
        self.status = status
        self.action = action

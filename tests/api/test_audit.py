"""Every mutation leaves an audit row with its actor, in the mutation's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select

from observability.auth.roles import Role
from observability.auth.token_store import create_token
from observability.store.access_models import AuditEntry
from tests.api.conftest import Service, auth


def test_ack_resolve_and_note_are_audited_with_their_actor(svc_on: Service) -> None:
    incident_id = svc_on.fire("g1")
    svc_on.client.post(f"/api/v1/incidents/{incident_id}/ack", headers=auth("responder"))
    svc_on.clock.advance(minutes=1)
    svc_on.client.post(
        f"/api/v1/incidents/{incident_id}/notes", json={"text": "<b>hi</b>"}, headers=auth("admin")
    )
    svc_on.clock.advance(minutes=1)
    svc_on.client.post(f"/api/v1/incidents/{incident_id}/resolve", headers=auth("responder"))

    response = svc_on.client.get("/api/v1/audit", headers=auth("admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 3
    rows = [(e["actor"], e["action"], e["target"], e["at"]) for e in body["items"]]
    target = f"incident:{incident_id}"
    assert rows == [
        ("responder-bot", "incident.resolve", target, "2026-03-01T09:02:00Z"),
        ("admin-bot", "incident.note", target, "2026-03-01T09:01:00Z"),
        ("responder-bot", "incident.acknowledge", target, "2026-03-01T09:00:00Z"),
    ]
    note = body["items"][1]["details"]
    assert (
        note["text"] == "<b>hi</b>" and note["role"] == "admin" and isinstance(note["timeline_event_id"], int)
    )
    assert body["items"][0]["details"] == {"role": "responder", "status": "resolved"}


def test_the_audit_log_is_for_admins_only_and_filters(svc: Service) -> None:
    first, second = svc.fire("g1", fingerprint="a"), svc.fire("g2", fingerprint="b")
    svc.client.post(f"/api/v1/incidents/{first}/ack", headers=auth("responder"))
    svc.client.post(f"/api/v1/incidents/{second}/ack", headers=auth("admin"))
    assert svc.client.get("/api/v1/audit", headers=auth("responder")).status_code == 403
    assert svc.client.get("/api/v1/audit", headers=auth("viewer")).status_code == 403

    def audit(query: str) -> tuple[list[str], int]:
        body = svc.client.get(f"/api/v1/audit{query}", headers=auth("admin")).json()
        return [entry["target"] for entry in body["items"]], body["total"]

    assert audit("?actor=admin-bot") == ([f"incident:{second}"], 1)
    assert audit(f"?target=incident:{first}") == ([f"incident:{first}"], 1)
    assert audit("?action=incident.acknowledge&limit=1") == ([f"incident:{second}"], 2)
    assert audit("?action=incident.acknowledge&limit=1&offset=1") == ([f"incident:{first}"], 2)


def test_a_failed_mutation_leaves_no_audit_row(svc: Service) -> None:
    assert svc.client.post("/api/v1/incidents/42/ack", headers=auth("responder")).status_code == 404
    with svc.app.state.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []


def test_a_database_token_authenticates_with_its_role_and_name_and_can_be_revoked(
    make_service: Callable[..., Service],
) -> None:
    svc = make_service(api_tokens="")
    with svc.app.state.sessions() as session:
        _row, token = create_token(
            session, role=Role.RESPONDER, name="alice", actor="cli:test", now=datetime.now(UTC)
        )
        session.commit()
    incident_id = svc.fire("g1")
    headers = {"Authorization": f"Bearer {token}"}
    assert svc.client.post(f"/api/v1/incidents/{incident_id}/ack", headers=headers).status_code == 200
    assert svc.client.get("/api/v1/audit", headers=headers).status_code == 403
    with svc.app.state.sessions() as session:
        actions = [(e.actor, e.action) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
        assert actions == [("cli:test", "token.create"), ("alice", "incident.acknowledge")]
        from observability.auth.token_store import revoke_token

        revoke_token(session, name="alice", actor="cli:test", now=datetime.now(UTC))
        session.commit()
    assert svc.client.get("/api/v1/incidents", headers=headers).status_code == 401


def test_tokens_never_reach_the_logs(svc: Service, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    caplog.set_level(logging.DEBUG)
    svc.client.get("/api/v1/incidents", headers=auth("admin"))
    svc.client.get("/api/v1/incidents", headers={"Authorization": "Bearer wrong-token-xyz"})
    assert "admin-token-1" not in caplog.text and "wrong-token-xyz" not in caplog.text

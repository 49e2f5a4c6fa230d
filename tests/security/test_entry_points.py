"""Every entry point refuses missing and wrong credentials, walked from the app's own routes.

A route is public only when PUBLIC lists it with its reason; any other route (a new one too) must
answer 401 without credentials and 401 with a wrong token. MINIMUM_ROLE says which role each known
route needs: the roles below it get 403 and the roles from it up get past the check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI

from tests.api.conftest import TOKENS, Service, auth
from tests.security.routes import app_routes, concrete, sign_in

WEBHOOK = "/api/v1/webhooks/alertmanager"
SLACK_EVENTS = "/slack/events"
SIGNING_SECRET = "slack-signing-secret-for-entry-points"
SLACK_SETTINGS = {
    "slack_bot_token": "xoxb-entry-points-test",
    "slack_signing_secret": SIGNING_SECRET,
    "slack_api_url": "http://127.0.0.1:9/api/",  # nothing listens: no message leaves the test
}

# Reachable without credentials, and why that is safe.
PUBLIC = {
    ("GET", "/openapi.json"): "the API's description; no data",
    ("GET", "/docs"): "the API's description; no data",
    ("GET", "/redoc"): "the API's description; no data",
    ("GET", "/healthz"): "liveness for the load balancer: no data",
    ("GET", "/readyz"): "readiness for the load balancer: states, no data",
    ("GET", "/metrics"): "Prometheus scrapes it; counts and states, no incident text",
    ("GET", "/runbooks/"): "the runbook site is public documentation",
    ("GET", "/runbooks/search"): "the runbook site is public documentation",
    ("GET", "/runbooks/{slug}"): "public documentation; live incidents only with a viewer token",
    ("GET", "/runbooks/static/style.css"): "a static asset",
    ("GET", "/runbooks/static/local-time.js"): "a static asset",
    ("GET", "/incidents/login"): "the sign-in form itself",
    ("POST", "/incidents/login"): "the sign-in: checks the token it is given (test below)",
    ("POST", "/incidents/logout"): "forgets the caller's own cookie; nothing to protect",
}

VIEWER, RESPONDER, ADMIN = "viewer", "responder", "admin"
ROLES = (VIEWER, RESPONDER, ADMIN)
MINIMUM_ROLE = {
    ("GET", "/api/v1/incidents"): VIEWER,
    ("GET", "/api/v1/incidents/{incident_id}"): VIEWER,
    ("POST", "/api/v1/incidents/{incident_id}/ack"): RESPONDER,
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): RESPONDER,
    ("POST", "/api/v1/incidents/{incident_id}/notes"): RESPONDER,
    ("GET", "/api/v1/audit"): ADMIN,
    ("GET", "/api/v1/oncall"): VIEWER,
    ("GET", "/api/v1/incidents/{incident_id}/review"): VIEWER,
    ("GET", "/api/v1/incidents/{incident_id}/review/graphs/{version}/{file}"): VIEWER,
    ("GET", "/incidents/"): VIEWER,
    ("GET", "/incidents/{incident_id}"): VIEWER,
    ("GET", "/incidents/report"): VIEWER,
    ("GET", "/incidents/{incident_id}/review"): VIEWER,
    ("GET", "/oncall/"): VIEWER,
    ("POST", "/incidents/{incident_id}/ack"): RESPONDER,
    ("POST", "/incidents/{incident_id}/resolve"): RESPONDER,
    ("POST", "/incidents/{incident_id}/notes"): RESPONDER,
    ("POST", "/incidents/{incident_id}/escalate"): RESPONDER,
    ("POST", "/incidents/{incident_id}/severity"): RESPONDER,
}
# Authenticated by something other than an API token: tested on their own below.
OWN_CREDENTIALS = {("POST", WEBHOOK): "webhook bearer token", ("POST", SLACK_EVENTS): "Slack signature"}


@pytest.fixture
def service(make_service: Callable[..., Service]) -> Service:
    # A generous failure limit: this suite sends many wrong tokens on purpose.
    svc = make_service(auth_failure_limit=10_000, **SLACK_SETTINGS)
    svc.fire("g1")
    return svc


def protected(app: FastAPI) -> list[tuple[str, str]]:
    return [route for route in app_routes(app) if route not in PUBLIC]


def call(svc: Service, method: str, path: str, headers: dict[str, str] | None = None) -> int:
    body = {"text": "a note"} if method == "POST" else None
    response = svc.client.request(method, concrete(path), json=body, headers=headers, follow_redirects=False)
    return response.status_code


def test_the_walk_finds_every_known_route(service: Service) -> None:
    found = set(app_routes(service.app))
    # Stale tables would let a route drop out of the checks unnoticed.
    assert set(MINIMUM_ROLE) <= found
    assert set(PUBLIC) <= found
    assert ("POST", WEBHOOK) in found


def test_every_non_public_route_refuses_a_request_without_credentials(service: Service) -> None:
    answers = {route: call(service, *route) for route in protected(service.app)}
    assert {route: code for route, code in answers.items() if code != 401} == {}


@pytest.mark.parametrize(
    "authorization", ["Bearer not-a-real-token", "Bearer ", "Basic dmlld2VyOnRva2Vu", "viewer-token-1"]
)
def test_every_non_public_route_refuses_a_wrong_token(service: Service, authorization: str) -> None:
    headers = {"Authorization": authorization}
    answers = {route: call(service, *route, headers) for route in protected(service.app)}
    assert {route: code for route, code in answers.items() if code != 401} == {}


def test_each_route_lets_in_its_minimum_role_and_up_and_forbids_the_roles_below(service: Service) -> None:
    wrong = {}
    for (method, path), minimum in MINIMUM_ROLE.items():
        for role in ROLES:
            code = call(service, method, path, auth(role))
            allowed = ROLES.index(role) >= ROLES.index(minimum)
            if (code in (401, 403)) == allowed or (not allowed and code != 403):
                wrong[(method, path, role)] = code
    assert wrong == {}


def test_the_sign_in_form_refuses_a_wrong_token_and_accepts_a_right_one(service: Service) -> None:
    refused = sign_in(service.client, "obs_wrong")
    assert refused.status_code == 401
    assert "obs_session" not in refused.cookies
    assert service.client.get("/incidents/", follow_redirects=False).status_code == 401
    accepted = sign_in(service.client, TOKENS[VIEWER])
    assert accepted.status_code == 303 and "obs_session" in accepted.cookies
    assert service.client.get("/incidents/", follow_redirects=False).status_code == 200


def test_the_webhook_refuses_missing_and_wrong_tokens_and_api_tokens(service: Service) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-webhook-token"}, auth(ADMIN)):
        response = service.client.post(WEBHOOK, json={"version": "4"}, headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["WWW-Authenticate"] == "Bearer"


def slack_signature(body: bytes, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def test_slack_events_refuses_unsigned_wrongly_signed_and_stale_requests(service: Service) -> None:
    """Covers `/slack/events` whenever the app serves it (the delivery part adds it)."""
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}).encode()
    headers = {"Content-Type": "application/json"}
    if ("POST", SLACK_EVENTS) not in app_routes(service.app):
        # Not served: nothing there to reach without a signature.
        assert service.client.post(SLACK_EVENTS, content=body, headers=headers).status_code == 404
        return
    now = int(time.time())  # slack-bolt checks its 5-minute window against the wall clock
    refusals = {
        "unsigned": {},
        "wrong secret": slack_signature(body, now, secret="not-the-signing-secret"),
        "stale": slack_signature(body, now - 6 * 60),
        "from the future": slack_signature(body, now + 6 * 60),
    }
    for name, signature in refusals.items():
        response = service.client.post(SLACK_EVENTS, content=body, headers=headers | signature)
        assert response.status_code == 401, name
    signed = service.client.post(SLACK_EVENTS, content=body, headers=headers | slack_signature(body, now))
    assert signed.status_code == 200 and "c-123" in signed.text

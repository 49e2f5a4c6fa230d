"""The webhook's bearer check: Alertmanager sends OBS_WEBHOOK_TOKEN as `Authorization: Bearer`."""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request, status
from pydantic import SecretStr

from observability.auth.failure_limit import WEBHOOK, record_failure, refuse_if_limited
from observability.auth.tokens import bearer_token, hash_token


def webhook_authorized(expected: SecretStr | None, authorization: str | None) -> bool:
    """True when the header carries the configured webhook token (compared in constant time)."""
    presented = bearer_token(authorization)
    if expected is None or presented is None:
        return False
    # Compare digests so that neither the length nor a prefix of the secret leaks through timing.
    return hmac.compare_digest(hash_token(presented), hash_token(expected.get_secret_value()))


def check_webhook_caller(request: Request, expected: SecretStr | None) -> None:
    """401 unless the request carries the webhook token; 429 while its client fails too often."""
    authorization = request.headers.get("authorization")
    if bearer_token(authorization) is not None:
        refuse_if_limited(request, WEBHOOK)
    if webhook_authorized(expected, authorization):
        return
    if bearer_token(authorization) is not None:
        record_failure(request, WEBHOOK)
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        "missing or wrong bearer token (Authorization: Bearer <OBS_WEBHOOK_TOKEN>)",
        headers={"WWW-Authenticate": "Bearer"},
    )

"""The webhook's bearer check: Alertmanager sends OBS_WEBHOOK_TOKEN as `Authorization: Bearer`."""

from __future__ import annotations

import hmac

from pydantic import SecretStr

from observability.auth.tokens import bearer_token, hash_token


def webhook_authorized(expected: SecretStr | None, authorization: str | None) -> bool:
    """True when the header carries the configured webhook token (compared in constant time)."""
    presented = bearer_token(authorization)
    if expected is None or presented is None:
        return False
    # Compare digests so that neither the length nor a prefix of the secret leaks through timing.
    return hmac.compare_digest(hash_token(presented), hash_token(expected.get_secret_value()))

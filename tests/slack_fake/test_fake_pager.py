"""The outgoing-webhook receiver: accepts only posts signed with the documented HMAC scheme."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx
import pytest

from demo.fake_pager import FakePager


def post(
    pager: FakePager,
    payload: object,
    *,
    secret: str | None = None,
    age: int = 0,
    delivery_id: str | None = None,
) -> httpx.Response:
    """Signs like the documented scheme, computed here independently of the receiver's code."""
    body = json.dumps(payload).encode()
    timestamp = str(int(time.time()) - age)
    mac = hmac.new((secret or pager.secret).encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    signed = {"X-Obs-Timestamp": timestamp, "X-Obs-Signature": f"sha256={mac.hexdigest()}"}
    if delivery_id is not None:
        signed["X-Obs-Delivery"] = delivery_id
    return httpx.post(
        pager.webhook_url("page"),
        content=body,
        headers={"Content-Type": "application/json", **signed},
    )


def test_a_correctly_signed_post_is_accepted_and_recorded(fake_pager: FakePager) -> None:
    response = post(fake_pager, {"incident": 42, "severity": "SEV1"}, delivery_id="outbox-7")
    assert response.status_code == 200
    [got] = fake_pager.received()
    assert (got["path"], got["delivery_id"], got["problem"]) == ("/page", "outbox-7", None)
    assert fake_pager.accepted() == [{"incident": 42, "severity": "SEV1"}]


@pytest.mark.parametrize(
    ("secret", "age", "problem"),
    [("not-the-secret", 0, "does not match"), (None, 301, "more than 300 s")],
)
def test_a_wrong_secret_or_an_old_timestamp_is_401_naming_why(
    fake_pager: FakePager, secret: str | None, age: int, problem: str
) -> None:
    response = post(fake_pager, {"incident": 1}, secret=secret, age=age)
    assert response.status_code == 401 and problem in response.json()["error"]
    assert fake_pager.accepted() == [] and problem in fake_pager.received()[0]["problem"]


def test_an_unsigned_or_oddly_signed_post_is_401(fake_pager: FakePager) -> None:
    assert httpx.post(fake_pager.webhook_url(), json={"incident": 1}).status_code == 401
    for timestamp, signature in [("\u00b2", "sha256=00"), (str(int(time.time())), "sha256=\u00e9\u00e9")]:
        headers = {"X-Obs-Timestamp": timestamp, "X-Obs-Signature": signature}
        encoded = {k: v.encode("latin-1") for k, v in headers.items()}
        assert httpx.post(fake_pager.webhook_url(), json={}, headers=encoded).status_code == 401


def test_it_fails_on_demand_then_recovers(fake_pager: FakePager) -> None:
    fake_pager.set_fault("500", count=1)
    assert post(fake_pager, {"n": 1}).status_code == 500
    assert post(fake_pager, {"n": 1}).status_code == 200
    fake_pager.set_fault("429", count=1, retry_after=9)
    limited = post(fake_pager, {"n": 2})
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "9")
    fake_pager.set_fault("accept_then_500", count=1)
    assert post(fake_pager, {"n": 3}).status_code == 500
    assert fake_pager.accepted() == [{"n": 1}, {"n": 3}]  # the last one counts: it was taken


def test_a_timeout_fault_holds_past_the_senders_timeout(fake_pager: FakePager) -> None:
    fake_pager.set_fault("timeout", count=1, hold_seconds=5)
    with pytest.raises(httpx.TimeoutException):
        httpx.post(fake_pager.webhook_url(), json={}, timeout=1.0)
    fake_pager.set_fault("none")
    assert fake_pager.accepted() == []

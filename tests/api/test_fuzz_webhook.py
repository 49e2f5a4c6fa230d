"""Hypothesis on the webhook payload: schema-shaped but random notifications never get a 5xx."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import WEBHOOK_TOKEN, Service

texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
names = st.sampled_from(["alertname", "severity", "service", "team", "summary", "runbook_url"]) | texts
label_maps = st.dictionaries(names, texts, max_size=4)
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=offsets)  # noqa: DTZ001 - naive bounds
statuses = st.sampled_from(["firing", "resolved"])

# One odd value in some payloads (never all: one spoils the whole notification).
ODDITIES: dict[str, tuple[Callable[[dict[str, Any], Any], None], list[Any]]] = {
    "label text": (
        lambda p, v: p["alerts"][0]["labels"].__setitem__("odd", v),
        ["\x00", "a\udc00b", "x" * 5000, "😀" * 100],
    ),
    "receiver": (lambda p, v: p.__setitem__("receiver", v), ["\x00", "\udc00", "r" * 2000]),
    "startsAt": (
        lambda p, v: p["alerts"][0].__setitem__("startsAt", v),
        [
            "0001-01-01T00:30:00+05:00",
            "9999-12-31T23:30:00-05:00",
            "0001-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
        ],
    ),
    "endsAt": (
        lambda p, v: p["alerts"][0].__setitem__("endsAt", v),
        ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"],
    ),
    "truncatedAlerts": (lambda p, v: p.__setitem__("truncatedAlerts", v), [2**31, 2**63, 2**70, -1]),
    "fingerprint": (lambda p, v: p["alerts"][0].__setitem__("fingerprint", v), ["", "f" * 129, "\x00"]),
}


@st.composite
def alerts(draw: st.DrawFn, fingerprints: st.SearchStrategy[str]) -> dict[str, Any]:
    labels = draw(label_maps)
    if draw(st.booleans()):
        labels["alertname"] = draw(st.sampled_from(["PlatformApiDown", "Watchdog", "NodeDown", "X"]))
    return {
        "status": draw(statuses),
        "labels": labels,
        "annotations": draw(label_maps),
        "startsAt": draw(moments).isoformat(),
        "endsAt": draw(st.none() | moments.map(datetime.isoformat)),
        "generatorURL": draw(texts),
        "fingerprint": draw(fingerprints),
    }


@st.composite
def notifications(draw: st.DrawFn) -> dict[str, Any]:
    # Few group keys and fingerprints, so notifications meet each other's incidents.
    fingerprints = st.sampled_from(["a", "b", "c"]) | st.text(min_size=1, max_size=128)
    payload: dict[str, Any] = {
        "version": "4",
        "groupKey": draw(st.sampled_from(['{}:{alertname="A"}', "g2"]) | st.text(min_size=1, max_size=64)),
        "truncatedAlerts": draw(st.integers(min_value=0, max_value=20)),
        "status": draw(statuses),
        "receiver": draw(texts),
        "groupLabels": draw(label_maps),
        "commonLabels": draw(label_maps),
        "commonAnnotations": draw(label_maps),
        "externalURL": draw(texts),
        "alerts": draw(st.lists(alerts(fingerprints), min_size=1, max_size=4)),
    }
    if draw(st.booleans()):
        payload["notificationReason"] = draw(
            st.sampled_from(["repeat interval elapsed", "new alerts"]) | texts
        )
    oddity = draw(st.sampled_from([None, None, None, *ODDITIES]))
    if oddity is not None:
        put, values = ODDITIES[oddity]
        put(payload, draw(st.sampled_from(values)))
    return payload


def test_random_notifications_get_200_or_a_named_4xx_never_a_5xx(svc_on: Service) -> None:
    headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
    seen: set[int] = set()

    @given(payload=notifications())
    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    def post(payload: dict[str, Any]) -> None:
        svc_on.clock.advance(seconds=7)
        body = json.dumps(payload)  # ASCII escapes carry lone surrogates, as any JSON sender may
        response = svc_on.client.post("/api/v1/webhooks/alertmanager", content=body, headers=headers)
        assert response.status_code in (200, 400, 422), response.text
        seen.add(response.status_code)
        if response.status_code == 422:
            assert response.json()["detail"].startswith("invalid Alertmanager notification: ")
        if response.status_code == 400:
            assert response.json()["detail"].startswith("malformed JSON")

    post()
    assert 200 in seen and 422 in seen  # the generator reaches both the store and the validation

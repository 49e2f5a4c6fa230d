"""Fetch the alerts a truncated notification left out, from Alertmanager's `GET /api/v2/alerts`."""

from __future__ import annotations

import json
import logging

import httpx
from pydantic import ValidationError

from observability.incidents.payload import AlertmanagerAlert, AlertmanagerNotification

log = logging.getLogger(__name__)

FETCH_TIMEOUT_SECONDS = 5.0


QueryParam = tuple[str, str | int | float | bool | None]


def group_filter(notification: AlertmanagerNotification) -> list[QueryParam]:
    """Query parameters selecting the notification's group: its group labels as matchers."""
    params: list[QueryParam] = [
        ("filter", f"{name}={json.dumps(value)}") for name, value in sorted(notification.groupLabels.items())
    ]
    params.append(("receiver", f"^(?:{_regex_escape(notification.receiver)})$"))
    return params


async def fetch_group_alerts(
    base_url: str, notification: AlertmanagerNotification
) -> list[AlertmanagerAlert]:
    """The group's active alerts as Alertmanager holds them; empty (and logged) when unreachable."""
    url = base_url.rstrip("/") + "/api/v2/alerts"
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT_SECONDS) as client:
            response = await client.get(url, params=group_filter(notification))
            response.raise_for_status()
            listed = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        # The notification itself is still committed; only the truncated remainder waits for the
        # next notification of the group.
        log.warning("cannot fetch truncated alerts of %r from %s: %s", notification.groupKey, url, exc)
        return []
    alerts = []
    for item in listed if isinstance(listed, list) else []:
        try:
            alerts.append(
                AlertmanagerAlert.model_validate(
                    {
                        "status": "firing",
                        "labels": item.get("labels", {}),
                        "annotations": item.get("annotations", {}),
                        "startsAt": item.get("startsAt"),
                        "endsAt": item.get("endsAt"),
                        "generatorURL": item.get("generatorURL", ""),
                        "fingerprint": item.get("fingerprint", ""),
                    }
                )
            )
        except (ValidationError, AttributeError) as exc:
            log.warning("skipping an alert Alertmanager listed for %r: %s", notification.groupKey, exc)
    return alerts


def _regex_escape(text: str) -> str:
    # Alertmanager matches receivers with Go's RE2; escape what RE2 treats as special.
    return "".join("\\" + char if char in r"\.+*?()|[]{}^$" else char for char in text)

"""The Alertmanager webhook notification (version 4) as a pydantic model, and its content hash.

Unknown fields are tolerated (Alertmanager adds fields over time); the fields the engine reads are
required and typed. Strings may not contain NUL: PostgreSQL cannot store it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import to_json

FIRING = "firing"
RESOLVED = "resolved"
# Alertmanager's "no end yet" for firing alerts.
ZERO_TIME_YEAR = 1

Labels = dict[str, str]


def _representable_in_utc(value: datetime) -> datetime:
    # The store keeps UTC: a time that leaves datetime's range there (year 1 or 9999 with an
    # offset) is the sender's error (422), not a failure to store (500).
    if 1 < value.year < 9999:  # an offset moves a time by less than a day: only the edges overflow
        return value
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("time out of range once converted to UTC") from None
    return value


# RFC 3339 as Alertmanager writes it (Go's RFC3339Nano): a number or a date alone is not a time.
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339_text(value: object) -> object:
    if isinstance(value, datetime):  # built in code, not parsed from a payload
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("not an RFC 3339 time string such as 2026-03-01T09:00:00Z")
    return value


Moment = Annotated[AwareDatetime, BeforeValidator(_rfc3339_text), AfterValidator(_representable_in_utc)]

# Go's prometheus/common model.LabelSet.Fingerprint: FNV-1a 64 over the sorted label names and
# values, each followed by the separator byte 0xff, printed as %016x. Alertmanager drops labels
# with empty values before it computes it.
_FNV_OFFSET, _FNV_PRIME, _LABEL_SEPARATOR = 14695981039346656037, 1099511628211, 0xFF


def label_fingerprint(labels: Mapping[str, str]) -> str:
    """The fingerprint Alertmanager gives an alert with these labels."""
    digest = _FNV_OFFSET
    present = [name for name, value in labels.items() if value]  # an empty value is no label
    for name in sorted(present, key=lambda text: text.encode("utf-8", "surrogatepass")):
        for text in (name, labels[name]):
            for byte in (*text.encode("utf-8", "surrogatepass"), _LABEL_SEPARATOR):
                digest = ((digest ^ byte) * _FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return f"{digest:016x}"


# Group keys are indexed; PostgreSQL's btree entries hold at most ~2.7 kB, so bound the bytes.
GROUP_KEY_MAX_BYTES = 2048


def _indexable(value: str) -> str:
    if len(value.encode("utf-8", "surrogatepass")) > GROUP_KEY_MAX_BYTES:
        raise ValueError(f"longer than {GROUP_KEY_MAX_BYTES} bytes in UTF-8")
    return value


GroupKey = Annotated[str, Field(min_length=1, max_length=GROUP_KEY_MAX_BYTES), AfterValidator(_indexable)]


class AlertmanagerAlert(BaseModel):
    """One alert in a notification; `fingerprint` and `startsAt` identify an occurrence."""

    model_config = ConfigDict(extra="allow", frozen=True)

    status: Literal["firing", "resolved"]
    labels: Labels = Field(min_length=1, description="at least one label (an alert is its labels)")
    annotations: Labels = Field(default_factory=dict)
    startsAt: Moment
    endsAt: Moment | None = None
    generatorURL: str = Field("", max_length=4096)
    fingerprint: str = Field(
        min_length=1,
        max_length=128,
        description="Alertmanager's; computed from the labels as Alertmanager does when left out",
    )

    @model_validator(mode="before")
    @classmethod
    def _fingerprint_from_labels(cls, data: Any) -> Any:
        # Older Alertmanager releases send no fingerprint; it is a function of the labels alone.
        if isinstance(data, dict) and "fingerprint" not in data:
            labels = data.get("labels")
            if isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values()):
                return {**data, "fingerprint": label_fingerprint(labels)}
        return data

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.fingerprint, self.startsAt)

    @property
    def ended_at(self) -> datetime | None:
        """When the alert ended, or None while Alertmanager reports no end (year 1)."""
        if self.endsAt is None or self.endsAt.year == ZERO_TIME_YEAR:
            return None
        return self.endsAt


class AlertmanagerNotification(BaseModel):
    """A webhook notification: one alert group, its labels and its alerts."""

    model_config = ConfigDict(extra="allow", frozen=True)

    version: Literal["4"]
    groupKey: GroupKey
    truncatedAlerts: int = Field(0, ge=0, le=2**31 - 1)  # an INTEGER column on both backends
    status: Literal["firing", "resolved"]
    receiver: str = Field(max_length=1024)
    groupLabels: Labels
    commonLabels: Labels = Field(default_factory=dict)
    commonAnnotations: Labels = Field(default_factory=dict)
    externalURL: str = ""
    alerts: list[AlertmanagerAlert] = Field(min_length=1)

    @property
    def notification_reason(self) -> str:
        """Why Alertmanager sent this (newer releases say so; older ones leave it empty)."""
        extra = self.model_extra or {}
        reason = extra.get("notificationReason", extra.get("notification_reason", ""))
        return reason if isinstance(reason, str) else ""

    def content_hash(self) -> str:
        """SHA-256 of the canonical content: what the notification says about the group's state.

        Left out on purpose: `externalURL` (each HA peer sends its own) and the `endsAt` of firing
        alerts (a moving estimate Alertmanager refreshes), so HA duplicates and retries collide.
        """
        alerts = sorted(
            (
                alert.fingerprint,
                alert.startsAt.astimezone(UTC),
                alert.status,
                _resolved_end(alert),
                sorted(alert.labels.items()),
                sorted(alert.annotations.items()),
                alert.generatorURL,
            )
            for alert in self.alerts
        )
        canonical = (
            self.groupKey,
            self.receiver,
            self.status,
            self.truncatedAlerts,
            sorted(self.groupLabels.items()),
            sorted(self.commonLabels.items()),
            sorted(self.commonAnnotations.items()),
            alerts,
        )
        return hashlib.sha256(to_json(canonical)).hexdigest()


def _resolved_end(alert: AlertmanagerAlert) -> str:
    # A string either way ("" for none): occurrences equal up to here must still sort.
    if alert.status == RESOLVED and alert.ended_at:
        return alert.ended_at.astimezone(UTC).isoformat()
    return ""


def nul_field(notification: AlertmanagerNotification) -> str | None:
    """The dotted name of the first field holding a NUL character, or None."""
    top: dict[str, Any] = {
        "groupKey": notification.groupKey,
        "receiver": notification.receiver,
        "externalURL": notification.externalURL,
        "groupLabels": notification.groupLabels,
        "commonLabels": notification.commonLabels,
        "commonAnnotations": notification.commonAnnotations,
    }
    for index, alert in enumerate(notification.alerts):
        for name in ("labels", "annotations", "generatorURL", "fingerprint"):
            top[f"alerts.{index}.{name}"] = getattr(alert, name)
    for name, value in top.items():
        texts = [value] if isinstance(value, str) else [*value.keys(), *value.values()]
        if any("\x00" in text for text in texts):
            return name
    return None

"""Alerts on this incident-response service itself, plus the always-firing Watchdog."""

from observability.ascode.rules import (
    AlertRule,
    above,
    rate_ratio,
    regex,
    series,
    sum_increase,
    target_down_alert,
)
from observability.catalog import names, platform

INCIDENT = platform.INCIDENT
WEBHOOKS = series(platform.WEBHOOK_REQUESTS, job=INCIDENT.job)
WEBHOOK_ERRORS = series(platform.WEBHOOK_REQUESTS, job=INCIDENT.job, code=regex("5.."))
OUTBOX_OLDEST_AGE = series(platform.OUTBOX_OLDEST_AGE, job=INCIDENT.job)
FAILED_NOTIFICATIONS = series(platform.NOTIFICATIONS, job=INCIDENT.job, outcome=names.FAILURE)
DEAD_LETTERS = series(platform.OUTBOX_DEAD_LETTERS, job=INCIDENT.job)

RULES = [
    target_down_alert(
        INCIDENT,
        name="IncidentServiceDown",
        summary="The incident-response service is down or cannot be scraped.",
        subject="the incident service",
        impact="Alertmanager notifications are not turned into incidents or pages.",
        runbook="incident-service",
    ),
    AlertRule(
        name="IncidentServiceWebhookErrors",
        expr=above(rate_ratio(WEBHOOK_ERRORS, WEBHOOKS, by=(names.JOB,), window="10m"), 0.05),
        for_="5m",
        severity=names.CRITICAL,
        service=INCIDENT,
        summary="The Alertmanager webhook is answering with server errors.",
        description=(
            "{{ $value | humanizePercentage }} of Alertmanager webhook requests to {{ $labels.job }} "
            "answered 5xx over the last 10 minutes (threshold 5%): Alertmanager keeps retrying and "
            "incidents are late or missing."
        ),
        runbook="incident-service",
    ),
    AlertRule(
        name="IncidentServiceOutboxBacklog",
        expr=f"max by (job) ({OUTBOX_OLDEST_AGE}) > 300",
        for_="2m",
        severity=names.WARNING,
        service=INCIDENT,
        summary="Notifications are stuck in the outbox.",
        description=(
            "The oldest notification in the outbox of {{ $labels.job }} has waited "
            "{{ $value | humanizeDuration }} (threshold 5m): Slack is failing or rate-limiting us."
        ),
        runbook="incident-service",
    ),
    AlertRule(
        name="IncidentServiceNotificationFailures",
        expr=f"{sum_increase(FAILED_NOTIFICATIONS, by=(names.JOB,), window='15m')} > 0",
        severity=names.WARNING,
        service=INCIDENT,
        summary="Notifications were given up on after their last retry.",
        description=(
            '{{ $labels.job }} gave up on {{ printf "%.0f" $value }} notifications over the last '
            "15 minutes: someone was not told about an incident."
        ),
        runbook="incident-service",
    ),
    AlertRule(
        name="IncidentServiceDeadLetters",
        expr=f"max by (job) ({DEAD_LETTERS}) > 0",
        for_="1m",
        severity=names.WARNING,
        service=INCIDENT,
        summary="Notifications sit in the outbox as dead letters.",
        description=(
            '{{ $labels.job }} holds {{ printf "%.0f" $value }} dead-lettered notifications (given up on '
            "after OBS_DELIVERY_DEAD_AFTER_SECONDS, or refused by Slack for good): requeue them once the "
            "cause is fixed."
        ),
        runbook="incident-service",
    ),
    AlertRule(
        name="Watchdog",
        expr="vector(1)",
        severity=names.NONE,
        service=INCIDENT,
        summary="The alerting pipeline is alive (this alert always fires).",
        description=(
            "Always firing{{ with $labels.prometheus }} on {{ . }}{{ end }}, so that its absence at the "
            "dead-man's switch means Prometheus, Alertmanager or the incident service's webhook is broken."
        ),
        runbook="watchdog",
    ),
]

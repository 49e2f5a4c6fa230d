"""Platform overview: SLO compliance, error budgets, burn rates, open incidents, links to every dashboard."""

from observability.ascode.dashboards.board import build_dashboard, linked
from observability.ascode.dashboards.incident_queries import open_incidents
from observability.ascode.dashboards.panels import Query, gauge, section, stat, steps, timeseries
from observability.ascode.dashboards.queries import (
    aggregate,
    eq,
    regex,
    selector,
    zero_if_absent,
)
from observability.ascode.dashboards.slo import (
    budget_remaining,
    burn_rate,
    burn_rate_windows,
    compliance_window,
    sli,
)
from observability.catalog import BURN_RATE_WINDOWS, SERVICES, SLOS, service
from observability.catalog import exporters as x
from observability.catalog import names as n
from observability.catalog.platform import INCIDENT

INCIDENT_JOB = (eq(n.JOB, INCIDENT.job),)
# Burn-rate factors the alerts page or ticket on, drawn as threshold lines (1x = exactly on budget).
BURN_COLOURS = ("yellow", "orange", "red", "dark-red")
BURN_THRESHOLDS = steps(
    "green", *zip(sorted({w.factor for w in BURN_RATE_WINDOWS}), BURN_COLOURS, strict=True)
)


def slo_rows(slo):
    """Compliance, budget and burn rates of one SLO, each linking to its service's dashboard."""
    window = compliance_window(slo)
    home = service(slo.service).dashboard
    percent = f"{slo.objective:.1%}".replace(".0%", "%")
    return [
        section(f"SLO: {slo.title} ({percent} over {slo.window_days} days)"),
        [
            linked(
                stat(
                    f"{slo.title}: SLI over {window}",
                    f"{slo.description} Objective {percent}; red below it.",
                    [sli(slo, window)],
                    unit="percentunit",
                    decimals=3,
                    thresholds=steps("red", (slo.objective, "green")),
                    instant=True,
                    height=6,
                ),
                home,
            ),
            linked(
                gauge(
                    f"{slo.title}: error budget left",
                    f"Share of the {window} error budget ({1 - slo.objective:.2%} of events) not yet spent; "
                    "negative once the SLO is breached.",
                    [budget_remaining(slo, window)],
                    unit="percentunit",
                    thresholds=steps("red", (0, "orange"), (0.25, "green")),
                    instant=True,
                    height=6,
                ),
                home,
            ),
            timeseries(
                f"{slo.title}: burn rate",
                "Error ratio over each alert window divided by the budgeted ratio (1 = on budget; 14.4 "
                "over 1 h and 5 m pages). From the slo:sli_error recording rules.",
                [Query(burn_rate(slo, window), window) for window in burn_rate_windows()],
                unit="short",
                thresholds=BURN_THRESHOLDS,
                width=16,
                height=6,
            ),
        ],
    ]


# One title per scrape job; reversed so that a job's first service in the catalog names it (api, not
# the dependencies measured from it).
JOBS = sorted({svc.job: svc.title for svc in reversed(SERVICES)}.items())
PLATFORM_JOBS = regex(n.JOB, "|".join(job for job, _ in JOBS))

dashboard = build_dashboard(
    "platform-overview",
    [
        section("Incidents and targets"),
        [
            linked(
                stat(
                    "Open incidents",
                    "Incidents not yet resolved, every severity and service.",
                    [open_incidents(INCIDENT_JOB)],
                    unit="short",
                    thresholds=steps("green", (1, "orange")),
                ),
                "incident-service",
            ),
            linked(
                stat(
                    "Open critical incidents",
                    "Unresolved critical incidents: someone is being paged right now.",
                    [open_incidents((*INCIDENT_JOB, eq(n.SEVERITY, n.CRITICAL)))],
                    unit="short",
                    thresholds=steps("green", (1, "red")),
                ),
                "incident-service",
            ),
            stat(
                "Targets down",
                "Scrape targets of the platform's jobs whose last scrape failed.",
                [zero_if_absent(aggregate("count", f"{selector(x.UP, (PLATFORM_JOBS,))} == 0"))],
                unit="short",
                thresholds=steps("green", (1, "red")),
            ),
            stat(
                "Targets up by job",
                "Share of each job's scrape targets that answered their last scrape.",
                [Query(f"avg({selector(x.UP, (eq(n.JOB, job),))})", title) for job, title in JOBS],
                unit="percentunit",
                thresholds=steps("red", (0.99, "orange"), (1, "green")),
                width=12,
            ),
        ],
        *(row for slo in SLOS for row in slo_rows(slo)),
    ],
    time_from="now-24h",
    refresh="1m",
)

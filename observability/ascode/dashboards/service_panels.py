"""Panels every instrumented service shares: scrape health, process resources, connection pools."""

from __future__ import annotations

from grafanalib.core import Stat, TimeSeries

from observability.catalog import exporters as x
from observability.catalog import names as n
from observability.catalog import platform as p

from .layout import Row
from .panels import Query, section, stat, steps, timeseries
from .queries import JOB_INSTANCE, Matchers, legend, ne, ratio, selector, sum_rate, total


def targets_up(matchers: Matchers = JOB_INSTANCE, *, width: int = 4) -> Stat:
    """Share of the selected scrape targets that answered their last scrape."""
    return stat(
        "Targets up",
        "Share of the selected scrape targets whose last scrape succeeded (`up`). Below 100 %: a process is "
        "down or unreachable from Prometheus.",
        [f"avg({selector(x.UP, matchers)})"],
        unit="percentunit",
        thresholds=steps("red", (0.99, "orange"), (1, "green")),
        width=width,
    )


def process_cpu(matchers: Matchers = JOB_INSTANCE, *, width: int = 8) -> TimeSeries:
    return timeseries(
        "Process CPU",
        "CPU seconds per second used by each process (1 = one full core).",
        [Query(sum_rate(p.PROCESS_CPU, matchers, (n.INSTANCE,)), legend(n.INSTANCE))],
        unit="short",
        width=width,
    )


def process_memory(matchers: Matchers = JOB_INSTANCE, *, width: int = 8) -> TimeSeries:
    return timeseries(
        "Resident memory",
        "Resident set size of each process; steady growth under steady load suggests a leak.",
        [Query(total(selector(p.PROCESS_RESIDENT_MEMORY, matchers), (n.INSTANCE,)), legend(n.INSTANCE))],
        unit="bytes",
        width=width,
    )


def file_descriptors(matchers: Matchers = JOB_INSTANCE, *, width: int = 8) -> TimeSeries:
    return timeseries(
        "File descriptors used",
        "Open file descriptors as a share of the process limit; sockets count too.",
        [
            Query(
                ratio(
                    total(selector(p.PROCESS_OPEN_FDS, matchers), (n.INSTANCE,)),
                    total(selector(p.PROCESS_MAX_FDS, matchers), (n.INSTANCE,)),
                ),
                legend(n.INSTANCE),
            )
        ],
        unit="percentunit",
        thresholds=steps("green", (0.8, "orange"), (0.9, "red")),
        max_value=1,
        width=width,
    )


def db_pool(matchers: Matchers = JOB_INSTANCE, *, width: int = 12) -> TimeSeries:
    return timeseries(
        "Database pool connections",
        "Connections of each SQLAlchemy pool by state, against the pool's limit. In-use at the limit means "
        "requests queue for a connection.",
        [
            Query(
                total(selector(p.DB_POOL_CONNECTIONS, matchers), (n.POOL, n.STATE)), legend(n.POOL, n.STATE)
            ),
            Query(total(selector(p.DB_POOL_MAX_CONNECTIONS, matchers), (n.POOL,)), legend(n.POOL) + " limit"),
        ],
        unit="short",
        width=width,
    )


def dependency_errors(matchers: Matchers = JOB_INSTANCE, *, width: int = 12) -> TimeSeries:
    """Outbound calls that did not succeed, per dependency and outcome."""
    return timeseries(
        "Dependency calls not succeeding",
        "Calls to external APIs per second whose outcome was not success (failure, timeout, retry).",
        [
            Query(
                sum_rate(
                    p.DEPENDENCY_REQUESTS, (*matchers, ne(n.OUTCOME, n.SUCCESS)), (n.DEPENDENCY, n.OUTCOME)
                ),
                legend(n.DEPENDENCY, n.OUTCOME),
            )
        ],
        unit="reqps",
        width=width,
    )


def process_panels(*, width: int = 8) -> list[TimeSeries]:
    """CPU, memory and file descriptors of the selected processes, side by side."""
    return [process_cpu(width=width), process_memory(width=width), file_descriptors(width=width)]


def pool_and_process_rows() -> list[Row]:
    """The closing rows of a service using the database and external APIs: pools, dependencies, process."""
    return [[db_pool(), dependency_errors()], section("Process"), process_panels()]

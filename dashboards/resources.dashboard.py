"""Node resources, USE method (utilisation, saturation, errors) from node_exporter."""

from observability.ascode.dashboards import service_panels as shared
from observability.ascode.dashboards.board import build_dashboard, instance_variable, job_variable
from observability.ascode.dashboards.grouped_queries import rate_by
from observability.ascode.dashboards.panels import (
    Column,
    Query,
    higher_is_worse,
    section,
    stat,
    steps,
    table,
    timeseries,
)
from observability.ascode.dashboards.queries import (
    JOB_INSTANCE,
    aggregate,
    eq,
    highest,
    legend,
    ne,
    not_regex,
    rate,
    ratio,
    selector,
    sum_rate,
    total,
)
from observability.catalog import exporters as x
from observability.catalog import names as n
from observability.catalog.platform import NODE

IDLE = (*JOB_INSTANCE, eq(n.MODE, "idle"))
BUSY = (*JOB_INSTANCE, ne(n.MODE, "idle"))
# Block devices that are not disks, interfaces that are not networks, filesystems that are not storage.
DISKS = (*JOB_INSTANCE, not_regex(n.DEVICE, "(loop|ram|sr|fd)[0-9]*"))
INTERFACES = (*JOB_INSTANCE, ne(n.DEVICE, "lo"))
FILESYSTEMS = (*JOB_INSTANCE, not_regex(n.FSTYPE, "tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|fuse[.].*"))

UTILISATION = higher_is_worse(0.8, 0.9)
PER_HOST = (n.INSTANCE,)
PER_DEVICE = (n.INSTANCE, n.DEVICE)


def cpu_busy(by: tuple[str, ...] = PER_HOST) -> str:
    return f"1 - {aggregate('avg', rate(x.NODE_CPU_SECONDS_TOTAL, IDLE), by)}"


def cores(by: tuple[str, ...] = PER_HOST) -> str:
    return aggregate("count", selector(x.NODE_CPU_SECONDS_TOTAL, IDLE), by)


def load_per_core() -> str:
    return ratio(total(selector(x.NODE_LOAD1, JOB_INSTANCE), PER_HOST), cores())


def memory_used() -> str:
    available = total(selector(x.NODE_MEMORY_MEMAVAILABLE_BYTES, JOB_INSTANCE), PER_HOST)
    size = total(selector(x.NODE_MEMORY_MEMTOTAL_BYTES, JOB_INSTANCE), PER_HOST)
    return f"1 - {ratio(available, size)}"


def filesystem_used(by: tuple[str, ...] = (n.INSTANCE, n.MOUNTPOINT)) -> str:
    available = total(selector(x.NODE_FILESYSTEM_AVAIL_BYTES, FILESYSTEMS), by)
    size = total(selector(x.NODE_FILESYSTEM_SIZE_BYTES, FILESYSTEMS), by)
    return f"1 - {ratio(available, size)}"


def disk_busy(by: tuple[str, ...] = PER_DEVICE) -> str:
    return highest(rate(x.NODE_DISK_IO_TIME_SECONDS_TOTAL, DISKS), by)


def pressure(metric: str) -> Query:
    """Share of wall time some task waited on a resource (Linux PSI; no series on kernels without it)."""
    return rate_by(metric, JOB_INSTANCE, *PER_HOST, note="waiting (PSI)")


dashboard = build_dashboard(
    "resources",
    [
        section("Worst host now"),
        [
            stat(
                "CPU busy",
                "Share of CPU time not idle on the busiest selected host.",
                [highest(cpu_busy())],
                unit="percentunit",
                thresholds=UTILISATION,
            ),
            stat(
                "Load per core",
                "1-minute load average divided by the core count on the most loaded host; above 1 tasks wait "
                "for a CPU.",
                [highest(load_per_core())],
                unit="short",
                decimals=2,
                thresholds=higher_is_worse(1, 2),
            ),
            stat(
                "Fullest memory",
                "Share of memory not available for new work (1 - MemAvailable/MemTotal), fullest host.",
                [highest(memory_used())],
                unit="percentunit",
                thresholds=higher_is_worse(0.85, 0.9),
            ),
            stat(
                "Busiest disk",
                "Share of time the busiest block device had IO in flight.",
                [highest(disk_busy(()))],
                unit="percentunit",
                thresholds=UTILISATION,
            ),
            stat(
                "Fullest filesystem",
                "Share of space used on the fullest real filesystem (tmpfs, overlay and the like excluded).",
                [highest(filesystem_used())],
                unit="percentunit",
                thresholds=higher_is_worse(0.8, 0.95),
            ),
            shared.targets_up(),
        ],
        section("CPU"),
        [
            timeseries(
                "CPU utilisation",
                "Share of CPU time not idle, per host.",
                [Query(cpu_busy(), legend(n.INSTANCE))],
                unit="percentunit",
                thresholds=UTILISATION,
                max_value=1,
                width=8,
            ),
            timeseries(
                "CPU time by mode",
                "Share of all cores' time per non-idle mode (user, system, iowait, steal, …), stacked.",
                [
                    Query(
                        ratio(sum_rate(x.NODE_CPU_SECONDS_TOTAL, BUSY, (n.MODE,)), f"scalar({cores(())})"),
                        legend(n.MODE),
                    )
                ],
                unit="percentunit",
                stacked=True,
                max_value=1,
                width=8,
            ),
            timeseries(
                "CPU saturation",
                "Load average per core, and the share of time some task waited for a CPU (PSI, where the "
                "kernel reports it).",
                [
                    Query(load_per_core(), legend(n.INSTANCE) + " load1 per core"),
                    pressure(x.NODE_PRESSURE_CPU_WAITING_SECONDS_TOTAL),
                ],
                unit="short",
                thresholds=higher_is_worse(1, 2),
                width=8,
            ),
        ],
        section("Memory"),
        [
            timeseries(
                "Memory used",
                "Share of memory not available for new work, per host.",
                [Query(memory_used(), legend(n.INSTANCE))],
                unit="percentunit",
                thresholds=higher_is_worse(0.85, 0.9),
                max_value=1,
            ),
            timeseries(
                "Memory saturation",
                "Major page faults per second (reads from disk as memory ran short) and the share of time "
                "tasks stalled on memory (PSI).",
                [
                    rate_by(x.NODE_VMSTAT_PGMAJFAULT, JOB_INSTANCE, *PER_HOST, note="major faults/s"),
                    pressure(x.NODE_PRESSURE_MEMORY_WAITING_SECONDS_TOTAL),
                ],
                unit="short",
            ),
        ],
        section("Disk"),
        [
            timeseries(
                "Disk utilisation",
                "Share of time each block device had IO in flight.",
                [Query(disk_busy(), legend(*PER_DEVICE))],
                unit="percentunit",
                thresholds=UTILISATION,
                max_value=1,
                width=8,
            ),
            timeseries(
                "Disk saturation",
                "Average IO queue length per device (weighted IO time per second), and time tasks waited on "
                "IO "
                "(PSI).",
                [
                    Query(
                        highest(rate(x.NODE_DISK_IO_TIME_WEIGHTED_SECONDS_TOTAL, DISKS), PER_DEVICE),
                        legend(*PER_DEVICE),
                    ),
                    pressure(x.NODE_PRESSURE_IO_WAITING_SECONDS_TOTAL),
                ],
                unit="short",
                width=8,
            ),
            timeseries(
                "Disk throughput",
                "Bytes read and written per second per device.",
                [
                    rate_by(x.NODE_DISK_READ_BYTES_TOTAL, DISKS, *PER_DEVICE, note="read"),
                    rate_by(x.NODE_DISK_WRITTEN_BYTES_TOTAL, DISKS, *PER_DEVICE, note="written"),
                ],
                unit="Bps",
                width=8,
            ),
        ],
        section("Network"),
        [
            timeseries(
                "Network throughput",
                "Bytes received and transmitted per second per interface (loopback excluded).",
                [
                    rate_by(x.NODE_NETWORK_RECEIVE_BYTES_TOTAL, INTERFACES, *PER_DEVICE, note="in"),
                    rate_by(x.NODE_NETWORK_TRANSMIT_BYTES_TOTAL, INTERFACES, *PER_DEVICE, note="out"),
                ],
                unit="Bps",
            ),
            timeseries(
                "Network errors and drops",
                "Packets per second that failed or were dropped, per interface and direction. Drops are "
                "saturation, errors are faults.",
                [
                    rate_by(metric, INTERFACES, *PER_DEVICE, note=what)
                    for metric, what in (
                        (x.NODE_NETWORK_RECEIVE_ERRS_TOTAL, "receive errors"),
                        (x.NODE_NETWORK_TRANSMIT_ERRS_TOTAL, "transmit errors"),
                        (x.NODE_NETWORK_RECEIVE_DROP_TOTAL, "receive drops"),
                        (x.NODE_NETWORK_TRANSMIT_DROP_TOTAL, "transmit drops"),
                    )
                ],
                unit="pps",
                thresholds=higher_is_worse(1, 10),
            ),
        ],
        section("Filesystems"),
        [
            timeseries(
                "Filesystem space used",
                "Share of space used per mount point.",
                [Query(filesystem_used(), legend(n.INSTANCE, n.MOUNTPOINT))],
                unit="percentunit",
                thresholds=higher_is_worse(0.8, 0.95),
                max_value=1,
            ),
            table(
                "Filesystems",
                "Every real filesystem now: size, space left and share used; read-only ones are a fault.",
                [
                    Column(
                        total(
                            selector(x.NODE_FILESYSTEM_SIZE_BYTES, FILESYSTEMS), (n.INSTANCE, n.MOUNTPOINT)
                        ),
                        "Size",
                        "bytes",
                    ),
                    Column(
                        total(
                            selector(x.NODE_FILESYSTEM_AVAIL_BYTES, FILESYSTEMS), (n.INSTANCE, n.MOUNTPOINT)
                        ),
                        "Available",
                        "bytes",
                    ),
                    Column(filesystem_used(), "Used", "percentunit", higher_is_worse(0.8, 0.95)),
                    Column(
                        highest(
                            selector(x.NODE_FILESYSTEM_READONLY, FILESYSTEMS), (n.INSTANCE, n.MOUNTPOINT)
                        ),
                        "Read-only",
                        "bool_yes_no",
                        steps("green", (1, "red")),
                    ),
                ],
            ),
        ],
    ],
    variables=[job_variable(x.NODE_LOAD1, NODE.job), instance_variable(x.NODE_LOAD1)],
)

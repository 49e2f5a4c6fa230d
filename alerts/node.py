"""Alerts on the hosts, read from node_exporter: up, disks filling, CPU and memory saturation."""

from observability.ascode.rules import AlertRule, not_equal, series
from observability.catalog import exporters, names, platform

NODE = platform.NODE
UP = series(exporters.UP, job=NODE.job)
# Pseudo filesystems have no fstype or mountpoint worth alerting on.
FS = {"job": NODE.job, "fstype": not_equal(""), "mountpoint": not_equal("")}
AVAILABLE = series(exporters.NODE_FILESYSTEM_AVAIL_BYTES, **FS)
SIZE = series(exporters.NODE_FILESYSTEM_SIZE_BYTES, **FS)
READ_ONLY = series(exporters.NODE_FILESYSTEM_READONLY, **FS)
SPACE_LEFT = f"{AVAILABLE} / {SIZE}"
WRITABLE = f"{READ_ONLY} == 0"
CPU_IDLE = series(exporters.NODE_CPU_SECONDS_TOTAL, job=NODE.job, mode="idle")
MEMORY_AVAILABLE = series(exporters.NODE_MEMORY_MEMAVAILABLE_BYTES, job=NODE.job)
MEMORY_TOTAL = series(exporters.NODE_MEMORY_MEMTOTAL_BYTES, job=NODE.job)

RULES = [
    AlertRule(
        name="NodeDown",
        expr=f"{UP} == 0",
        for_="2m",
        severity=names.WARNING,
        service=NODE,
        summary="A node's exporter cannot be scraped.",
        description=(
            "node_exporter on {{ $labels.instance }} has not answered for 2 minutes: the host is down, "
            "unreachable, or the exporter stopped."
        ),
        runbook="node-down",
    ),
    AlertRule(
        name="NodeFilesystemFillingUp",
        expr=f"""
            {SPACE_LEFT} < 0.2
            and
            predict_linear({AVAILABLE}[6h], 24 * 3600) < 0
            and
            {WRITABLE}
        """,
        for_="1h",
        severity=names.WARNING,
        service=NODE,
        summary="A filesystem will run out of space within 24 hours.",
        description=(
            "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has "
            "{{ $value | humanizePercentage }} space left and, at the rate of the last 6 hours, "
            "will be full within 24 hours."
        ),
        runbook="node-disk",
    ),
    AlertRule(
        name="NodeFilesystemAlmostFull",
        expr=f"""
            {SPACE_LEFT} < 0.05
            and
            {WRITABLE}
        """,
        for_="15m",
        severity=names.CRITICAL,
        service=NODE,
        summary="A filesystem has less than 5% space left.",
        description=(
            "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.instance }} has only "
            "{{ $value | humanizePercentage }} space left (threshold 5%): writes will soon fail."
        ),
        runbook="node-disk",
    ),
    AlertRule(
        name="NodeHighCpuUtilisation",
        expr=f"1 - avg by (job, instance) (rate({CPU_IDLE}[5m])) > 0.9",
        for_="15m",
        severity=names.WARNING,
        service=NODE,
        summary="A node's CPUs are more than 90% busy.",
        description=(
            "CPUs on {{ $labels.instance }} were {{ $value | humanizePercentage }} busy on average over "
            "the last 5 minutes (threshold 90%)."
        ),
        runbook="node-cpu",
    ),
    AlertRule(
        name="NodeMemoryPressure",
        expr=f"{MEMORY_AVAILABLE} / {MEMORY_TOTAL} < 0.1",
        for_="15m",
        severity=names.WARNING,
        service=NODE,
        summary="A node has less than 10% of its memory available.",
        description=(
            "{{ $labels.instance }} has {{ $value | humanizePercentage }} of its memory available "
            "(threshold 10%): the kernel is reclaiming cache and the OOM killer is near."
        ),
        runbook="node-memory",
    ),
]

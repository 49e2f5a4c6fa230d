"""Benchmark figures: every bench script records its figures here; `make bench` publishes BENCHMARKS.md.

In a bench script (they run as `python bench/<name>.py`, so this module imports as `report`):

    import report

    report.record("ingest", "single-alert notifications/s (PostgreSQL)", rate, "/s", at_least=750)
    report.record("ingest", "p99 latency (PostgreSQL)", p99_ms, "ms", at_most=20)
    report.record("ingest", "CPU per notification, server", cpu_ms, "ms")   # no goal: context

`record(bench, figure, value, unit, *, at_least=None, at_most=None, note="")` appends one figure to
var/bench/results.json (`OBS_BENCH_RESULTS` to change). The goal is a bound, so whether it is met is
computed, never written by hand. The first figure a process records for a bench replaces that
bench's figures of an earlier run; other benches' figures stay. Record every figure the script
prints, in the units it prints them.

A bench that misses a goal also records where the time goes (see bench/profiling.py):

    report.record_profile("ingest", "obs serve, single-alert notifications", stacks, note="...")

`python bench/report.py --reset` empties the results (the start of `make bench`);
`python bench/report.py --write BENCHMARKS.md` writes the report: the machine (CPU model, cores,
memory, OS, Python, PostgreSQL), the date, and each figure against its goal.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import math
import os
import platform
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# The figures the project publishes (issue 12), by bench name; a bench that recorded nothing in the
# run is listed as not measured, so a missing figure is visible rather than silently absent.
EXPECTED = {
    "ingest": "webhook ingest throughput, latency and memory (bench/ingest.py)",
    "escalation": "escalation lateness (bench/escalation.py)",
    "storm": "storm grouping through the Alertmanager cluster (bench/storm.py)",
    "delivery": "delivery latency (bench/delivery.py)",
    "incident_list": "incident list at 100,000 incidents (bench/incident_list.py)",
    "generation": "generation time (bench/generation.py)",
    "fault_to_card": "fault to card (bench/fault_to_card.py: the whole-loop live test)",
    "instrument": "instrumentation overhead (bench/instrument.py)",
}
# Benches beyond the published figures: their titles
EXTRA = {"runbook_page": "live runbook page (bench/runbook_page.py)"}
NO_GOAL = "-"
PROFILES = "_profiles"  # reserved key of the results file: bench -> its recorded profiles
_reset_in_this_process: set[str] = set()
_profiles_reset_in_this_process: set[str] = set()


def results_path() -> Path:
    return Path(os.environ.get("OBS_BENCH_RESULTS") or REPO / "var" / "bench" / "results.json")


def record(
    bench: str,
    figure: str,
    value: float,
    unit: str,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
    note: str = "",
) -> None:
    """Add one figure of `bench` to the results (see the module docstring)."""
    entry = {
        "figure": figure,
        "value": float(value),
        "unit": unit,
        "at_least": at_least,
        "at_most": at_most,
        "note": note,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": round(os.getloadavg()[0], 1),
    }
    with _results() as results:
        if bench not in _reset_in_this_process:
            results[bench] = []
            _reset_in_this_process.add(bench)
        results[bench].append(entry)


def record_profile(bench: str, title: str, stacks: Mapping[str, int], note: str = "") -> None:
    """Add a profile of `bench` (py-spy stacks -> samples, from bench/profiling.py) to the results."""
    if str(Path(__file__).parent) not in sys.path:
        sys.path.insert(0, str(Path(__file__).parent))
    import profiling

    entry = {
        "title": title,
        "samples": sum(stacks.values()),
        "self_by_area": profiling.self_time_by_area(Counter(stacks)),
        "inclusive_by_function": profiling.inclusive_by_project_function(Counter(stacks)),
        "note": note,
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load": round(os.getloadavg()[0], 1),
    }
    with _results() as results:
        profiles = results.setdefault(PROFILES, {})
        if bench not in _profiles_reset_in_this_process:
            profiles[bench] = []
            _profiles_reset_in_this_process.add(bench)
        profiles[bench].append(entry)


def goal_text(entry: dict[str, Any]) -> str:
    bounds = []
    if entry["at_least"] is not None:
        bounds.append(f"≥ {_quantity(entry['at_least'], entry['unit'])}")
    if entry["at_most"] is not None:
        bounds.append(f"≤ {_quantity(entry['at_most'], entry['unit'])}")
    return " and ".join(bounds)


def met(entry: dict[str, Any]) -> bool | None:
    """True/False against the goal; None when the figure has no goal."""
    if entry["at_least"] is None and entry["at_most"] is None:
        return None
    value = entry["value"]
    if math.isnan(value):
        return False
    low_ok = entry["at_least"] is None or value >= entry["at_least"]
    return low_ok and (entry["at_most"] is None or value <= entry["at_most"])


def render(results: dict[str, list[dict[str, Any]]], machine: dict[str, str], when: datetime) -> str:
    """BENCHMARKS.md from the results and the machine they ran on."""
    profiles: dict[str, list[dict[str, Any]]] = results.get(PROFILES, {})  # type: ignore[assignment]
    results = {bench: entries for bench, entries in results.items() if bench != PROFILES}
    lines = [
        "<!-- Generated by `make bench` (bench/report.py) from var/bench/results.json: "
        "do not edit by hand. -->",
        "# Benchmarks",
        "",
        f"Run of {_span(results, when)} UTC. Every figure below was measured by that run; "
        "“met” is computed from the goal.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in machine.items()),
        "",
    ]
    goals = [met(entry) for entries in results.values() for entry in entries]
    with_goal = [value for value in goals if value is not None]
    lines += [
        f"{sum(with_goal)} of {len(with_goal)} goals met; {len(goals) - len(with_goal)} figures without a "
        "goal give context. `load` is the 1-minute load average when the figure was recorded.",
        "",
    ]
    for bench in [*EXPECTED, *sorted(set(results) - set(EXPECTED))]:
        entries = results.get(bench)
        if not entries:
            continue
        title = EXPECTED.get(bench) or EXTRA.get(bench, bench)
        lines += [f"## {title}", "", "| figure | value | goal | met | load | note |"]
        lines.append("| --- | ---: | --- | --- | ---: | --- |")
        for entry in entries:
            verdict = {True: "yes", False: "**no**", None: NO_GOAL}[met(entry)]
            value = _quantity(entry["value"], entry["unit"])
            lines.append(
                f"| {entry['figure']} | {value} | {goal_text(entry) or NO_GOAL} "
                f"| {verdict} | {entry['load']} | {entry['note']} |"
            )
        lines.append("")
        for profile in profiles.get(bench, []):
            lines += _render_profile(profile)
    missing = [description for bench, description in EXPECTED.items() if not results.get(bench)]
    if missing:
        lines += ["## Not measured in this run", "", *(f"- {description}" for description in missing), ""]
    return "\n".join(lines)


def _span(results: dict[str, list[dict[str, Any]]], written: datetime) -> str:
    """When the figures were recorded: first to last (the time of writing when none were)."""
    times = sorted(
        datetime.fromisoformat(entry["recorded_at"])
        for entries in results.values()
        for entry in entries
        if entry.get("recorded_at")
    )
    if not times:
        return f"{written:%Y-%m-%d %H:%M}"
    first, last = times[0], times[-1]
    end = f"{last:%H:%M}" if first.date() == last.date() else f"{last:%Y-%m-%d %H:%M}"
    return f"{first:%Y-%m-%d %H:%M} to {end}"


def _render_profile(profile: dict[str, Any]) -> list[str]:
    """Where the time goes: py-spy's samples by package (innermost frame) and by project function."""
    lines = [
        f"**Where the time goes: {profile['title']}** ({profile['samples']:,} py-spy samples of the "
        f"GIL holder at load {profile['load']}){': ' + profile['note'] if profile['note'] else ''}",
        "",
        "| innermost frame in | share |",
        "| --- | ---: |",
        *(f"| {name} | {share:.1f} % |" for name, share in profile["self_by_area"]),
        "",
    ]
    if profile["inclusive_by_function"]:
        lines += [
            "| project function on the stack | share |",
            "| --- | ---: |",
            *(f"| `{name}` | {share:.1f} % |" for name, share in profile["inclusive_by_function"]),
            "",
        ]
    return lines


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS, Python and PostgreSQL of this machine."""
    return {
        "CPU": _cpu_model(),
        "cores": str(os.cpu_count()),
        "memory": f"{_meminfo_kib('MemTotal') / 1024 / 1024:.1f} GiB",
        "OS": f"{_os_name()} (Linux {platform.release()})",
        "Python": platform.python_version(),
        "PostgreSQL": _postgres_version(),
        "load average when this was written": " / ".join(f"{value:.1f}" for value in os.getloadavg()),
    }


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _meminfo_kib(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    return 0


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _postgres_version() -> str:
    url = os.environ.get("OBS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as connection:
                return str(connection.execute(text("SHOW server_version")).scalar())
        finally:
            engine.dispose()
    except Exception as exc:  # the report still gets written without it
        return f"unavailable ({type(exc).__name__})"


def _quantity(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}".strip()


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value == int(value) and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


@contextmanager
def _results() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The results file, read and written under an exclusive lock."""
    path = results_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        results = json.loads(path.read_text()) if path.exists() else {}
        yield results
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(results, indent=2) + "\n")
        temporary.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--reset", action="store_true", help="forget every recorded figure")
    action.add_argument("--write", type=Path, metavar="FILE", help="write the report (BENCHMARKS.md)")
    args = parser.parse_args()
    if args.reset:
        with _results() as results:
            results.clear()
        return 0
    with _results() as results:
        snapshot = dict(results)
    args.write.write_text(render(snapshot, machine(), datetime.now(UTC)), encoding="utf-8")
    print(f"wrote {args.write}: {sum(len(entries) for entries in snapshot.values())} figures")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`obs escalation simulate|run`: who would be paged when; or run the escalation engine alone."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # the matrix and plan modules pull pydantic: not at `obs` start-up
    from observability.escalation.matrix import Matrix
    from observability.escalation.plan import Simulation


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from observability.cli.matrix_options import add_matrix_option, add_time_options

    parser = subparsers.add_parser(
        "escalation",
        help="simulate an escalation, or run the escalation engine",
        description="Ask the escalation matrix who would be paged when (simulate), or run the "
        "escalation engine without the HTTP service (run).",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    simulate = actions.add_parser(
        "simulate",
        help="print who would be paged when for an incident with these labels",
        description="Pick the policy the labels match (first match wins) and print the timeline of "
        "pages for an incident opened at --at and never resolved: every step of every repeat, with "
        "rotations resolved to whoever is on call when the step fires, the handoffs in between, and, "
        "with --ack-after, the acknowledgement and the re-armed round after the ack timeout.",
    )
    simulate.add_argument(
        "--labels", required=True, help="incident labels, e.g. severity=critical,service=api[,team=platform]"
    )
    simulate.add_argument("--ack-after", help="acknowledge this long after opening, e.g. 12m")
    add_time_options(simulate)
    add_matrix_option(simulate)
    simulate.set_defaults(handler=run_simulate)

    run = actions.add_parser(
        "run",
        help="run only the escalation engine on OBS_DATABASE_URL (no HTTP)",
        description="Migrate the database, then fire due escalation steps (timeline + outbox) until "
        "interrupted or --for seconds have passed. `obs serve` runs the same engine; any number of "
        "engines may share one PostgreSQL database (steps are claimed with SKIP LOCKED).",
    )
    run.add_argument(
        "--for", dest="duration", type=float, metavar="SECONDS", help="stop after this many seconds"
    )
    add_matrix_option(run)
    run.set_defaults(handler=run_engine)


def parse_labels(text: str) -> dict[str, str]:
    labels = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"--labels: {part!r} is not name=value")
        labels[key.strip()] = value.strip()
    if not labels:
        raise ValueError("--labels: give at least one name=value")
    return labels


def run_simulate(args: argparse.Namespace) -> int:
    from observability.cli.matrix_options import instant_option, load_matrix_or_report, zone_option
    from observability.escalation.durations import parse_duration
    from observability.escalation.plan import simulate

    try:
        zone = zone_option(args.tz)
        start = instant_option(args.at, zone)
        labels = parse_labels(args.labels)
        ack_after = None if args.ack_after is None else parse_duration(args.ack_after)
    except ValueError as exc:
        print(f"obs escalation simulate: {exc}", file=sys.stderr)
        return 2
    if ack_after is not None and ack_after.total_seconds() < 0:
        print("obs escalation simulate: --ack-after must not be negative", file=sys.stderr)
        return 2
    matrix = load_matrix_or_report(args.matrix, "obs escalation simulate")
    if matrix is None:
        return 1
    for line in simulation_lines(matrix, labels, simulate(matrix, labels, start, ack_after), zone):
        print(line)
    return 0


def simulation_lines(
    matrix: Matrix, labels: dict[str, str], simulation: Simulation, zone: ZoneInfo
) -> list[str]:
    """The simulation as a timeline people read: pages, handoffs, the ack and the re-arm."""
    from observability.cli.matrix_options import shown
    from observability.escalation.durations import format_duration
    from observability.escalation.matrix import routing_labels
    from observability.escalation.oncall import shifts_between

    policy, start = simulation.policy, simulation.start
    routed = ", ".join(f"{key}={value}" for key, value in sorted(routing_labels(labels).items()))
    rules = [f"{len(policy.steps)} step(s)"]
    if policy.repeat:
        rules.append(
            f"repeated {policy.repeat}x every {format_duration(policy.repeat_every or start - start)}"
        )
    rules.append(
        f"ack timeout {format_duration(policy.ack_timeout)}" if policy.ack_timeout else "no ack timeout"
    )
    lines = [
        f"labels {routed} -> policy {policy.id} ({', '.join(rules)})",
        f"incident opens {shown(start, zone)}; nobody resolves it",
    ]
    events: list[tuple[datetime, int, str]] = []
    for fired in simulation.fired:
        who = ", ".join(
            page.name if page.person is None else f"{page.name} ({page.target})" for page in fired.pages
        )
        events.append((fired.step.due_at, 1, f"{fired.step.label(policy):<30} page {who}"))
    if simulation.acknowledged_at is not None:
        text = f"acknowledged: {len(simulation.cancelled)} pending step(s) cancelled"
        if policy.ack_timeout:
            text += f"; unresolved, it re-arms after {format_duration(policy.ack_timeout)}"
        events.append((simulation.acknowledged_at, 0, text))
    if simulation.fired:
        end = max(fired.step.due_at for fired in simulation.fired)
        rotations = {t.rotation for step in policy.steps for t in step.targets if t.rotation is not None}
        for rotation_id in sorted(rotations):
            shifts = shifts_between(matrix.rotations[rotation_id], start, end)
            for before, after in pairwise(shifts):
                events.append((after.start, 0, f"handoff {rotation_id}: {before.person} -> {after.person}"))
    for moment, _, text in sorted(events, key=lambda event: (event[0], event[1])):
        offset = "+" + format_duration(moment - start)
        lines.append(f"  {offset:>8}  {shown(moment, zone):<22}  {text}")
    return lines


def run_engine(args: argparse.Namespace) -> int:
    from datetime import UTC

    from apscheduler.schedulers.background import BackgroundScheduler

    from observability.cli.matrix_options import load_matrix_or_report
    from observability.config import SettingsError, load_settings
    from observability.escalation.engine import EscalationEngine, add_escalation_job
    from observability.store.engine import make_engine, session_factory
    from observability.store.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"obs escalation run: {exc}", file=sys.stderr)
        return 2
    matrix = load_matrix_or_report(args.matrix or settings.matrix_path, "obs escalation run")
    if matrix is None:
        return 1
    engine = make_engine(settings.database_url)
    upgrade(engine)
    escalation = EscalationEngine(session_factory(engine), matrix)
    # The command's one scheduler, as in the service: every periodic job of this process runs on it.
    scheduler = BackgroundScheduler(timezone=UTC)
    add_escalation_job(scheduler, escalation, interval=settings.escalation_tick_seconds)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    scheduler.start()
    print(f"obs escalation run: engine {escalation.worker} firing due steps", flush=True)
    try:
        stop.wait(args.duration)
    finally:
        scheduler.shutdown(wait=True)
        engine.dispose()
    return 0

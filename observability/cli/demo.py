"""`obs demo`: the reference platform with Prometheus, Alertmanager and the incident service, live."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from observability.paths import repo_root

DEFAULT_RUN_DIR = "var/demo"
# The demo's usual ports, taken only when free (tests always use free ports).
CONVENTIONAL_PORTS = {
    "prometheus": 9090,
    "alertmanager": 9093,
    "node-exporter": 9100,
    "postgres-exporter": 9187,
    "incident-service": 8080,
    "fake-slack": 8090,
    "api": 8000,
    "worker": 8001,
    "embedding-api": 8002,
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from demo.choices import COMPONENTS, DEFAULT_POSTGRES_URL, FAULTS

    parser = subparsers.add_parser(
        "demo",
        help="run the reference platform live (make demo); inject and heal faults",
        description="Start the platform (API, worker, mock embedding-api, traffic), node_exporter, "
        "postgres_exporter, Prometheus with the fast-profile rules, Alertmanager and the incident service; "
        "print one `<component> <url>` line each; Ctrl-C stops everything. "
        "`obs demo fault KIND` and `obs demo heal` act on the running demo.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="faults:\n" + "\n".join(f"  {kind:<20} {what}" for kind, what in FAULTS.items()),
    )
    parser.add_argument(
        "--run-dir", type=Path, default=None, help=f"state, logs, data (default {DEFAULT_RUN_DIR})"
    )
    sub = parser.add_subparsers(dest="demo_command", metavar="{run,fault,heal}")
    run = sub.add_parser("run", help="start the demo (the default)")
    fault = sub.add_parser("fault", help="inject a fault into the running demo")
    fault.add_argument("kind", choices=tuple(FAULTS))
    heal = sub.add_parser("heal", help="remove one fault, or all")
    heal.add_argument("kind", nargs="?", choices=tuple(FAULTS))
    for target in (parser, run):
        target.add_argument(
            "--postgres-url",
            default=os.environ.get("OBS_DEMO_POSTGRES_URL", DEFAULT_POSTGRES_URL),
            help="a database on the PostgreSQL server (env OBS_DEMO_POSTGRES_URL; default %(default)s)",
        )
        target.add_argument(
            "--database", default="obs_demo", help="database the demo uses, and drops when it stops"
        )
        target.add_argument(
            "--keep-database",
            action="store_true",
            help="leave the database on the server when the demo stops",
        )
        target.add_argument(
            "--ports",
            type=int,
            default=_int_or_none(os.environ.get("OBS_DEMO_PORTS", "")),
            metavar="BASE",
            help=f"take ports BASE, BASE+1, ... for {', '.join(COMPONENTS)} in that order "
            "(env OBS_DEMO_PORTS; default: conventional ports such as 9090 where free, else free ports)",
        )
        target.add_argument(
            "--port",
            action="append",
            default=[],
            metavar="COMPONENT=PORT",
            help=f"fix one component's port (components: {', '.join(COMPONENTS)}); wins over --ports",
        )
        target.add_argument("--traffic-rate", type=float, default=10.0, help="traffic ticks per second")
        target.add_argument("--duration", type=float, default=3600.0, help="stop after this many seconds")
        target.add_argument(
            "--otlp-traces-endpoint", help="send spans here (e.g. http://127.0.0.1:4318/v1/traces)"
        )
    parser.set_defaults(handler=dispatch)


def dispatch(args: argparse.Namespace) -> int:
    run_dir = args.run_dir or repo_root() / DEFAULT_RUN_DIR
    if args.demo_command in (None, "run"):
        return run_demo(args, run_dir)
    from demo.inject import FaultError, RunningStack, heal, inject

    try:
        stack = RunningStack.load(run_dir)
        print(inject(stack, args.kind) if args.demo_command == "fault" else heal(stack, args.kind))
    except FaultError as exc:
        print(f"obs demo: {exc}", file=sys.stderr)
        return 1
    return 0


def parse_ports(specs: list[str]) -> dict[str, int]:
    from demo.choices import COMPONENTS

    ports = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        if name not in COMPONENTS or not value.isdigit() or not 0 < int(value) < 65536:
            raise ValueError(
                f"--port {spec!r}: expected COMPONENT=PORT with COMPONENT one of {', '.join(COMPONENTS)}"
            )
        ports[name] = int(value)
    return ports


def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def consecutive_ports(base: int) -> dict[str, int]:
    """BASE, BASE+1, ... for every component, in the order of COMPONENTS."""
    from demo.choices import COMPONENTS

    if not 1024 <= base <= 65535 - len(COMPONENTS):
        raise ValueError(
            f"--ports {base} (OBS_DEMO_PORTS): a base port from 1024 to {65535 - len(COMPONENTS)}"
        )
    return {name: base + offset for offset, name in enumerate(COMPONENTS)}


def conventional_ports_if_free() -> dict[str, int]:
    import socket

    free = {}
    for name, port in CONVENTIONAL_PORTS.items():
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        free[name] = port
    return free


def run_demo(args: argparse.Namespace, run_dir: Path) -> int:
    from demo.stack import Stack, StackError, StackOptions

    if os.environ.get("OBS_DEMO_PORTS", "").strip() and args.ports is None:
        print(
            f"obs demo: OBS_DEMO_PORTS={os.environ['OBS_DEMO_PORTS']!r}: not a port number", file=sys.stderr
        )
        return 2
    try:
        base = consecutive_ports(args.ports) if args.ports is not None else conventional_ports_if_free()
        ports = base | parse_ports(args.port)
    except ValueError as exc:
        print(f"obs demo: {exc}", file=sys.stderr)
        return 2
    options = StackOptions(
        run_dir=run_dir,
        postgres_url=args.postgres_url,
        database=args.database,
        drop_database=not args.keep_database,
        ports=ports,
        traffic_rate=args.traffic_rate,
        traffic_duration=args.duration,
        otlp_traces_endpoint=args.otlp_traces_endpoint,
    )
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    # Ctrl-C, kill and a closed terminal all stop the stack the same way: components, then the database.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)
    stack = Stack(options)
    try:
        with stack:
            for name, url in stack.urls():
                print(f"{name} {url}", flush=True)
            if "fake-slack" in stack.components:
                print(f"# fake Slack: channels and incident cards at {stack.url('fake-slack')}/", flush=True)
            if stack.api_token:
                print(f"# incident API responder token in {run_dir / 'api-token'}", flush=True)
            print(
                f"# logs in {stack.log_dir}; `obs demo fault KIND`, `obs demo heal`; Ctrl-C stops", flush=True
            )
            deadline = time.monotonic() + args.duration
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)
            print("stopping every component", flush=True)
    except StackError as exc:
        print(f"obs demo: {exc}", file=sys.stderr)
        return 1
    finally:
        (run_dir / "state.json").unlink(missing_ok=True)
    return 0

"""`obs verify-deploy`: error ratio, p95 latency and job failures after a deploy vs before it."""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from datetime import datetime

from observability.deploy.signals import Thresholds

DEFAULT_WINDOW = "5m"
_DURATION = re.compile(r"^(\d+)(s|m|h)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def parse_duration(text: str) -> float:
    """`30s`, `5m`, `1h` as seconds."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30s, 5m or 1h")
    return float(int(match.group(1)) * _SECONDS[match.group(2)])


def parse_time(text: str) -> float:
    """Unix seconds, or ISO 8601 with a timezone (2026-11-28T22:00:00Z)."""
    try:
        return float(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither Unix seconds nor an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no timezone; add Z or +00:00")
    return moment.timestamp()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    defaults = Thresholds()
    parser = subparsers.add_parser(
        "verify-deploy",
        help="compare error ratio, p95 latency and job failures after a deploy with before it",
        description="Query Prometheus for the API error ratio, API p95 latency and job failure ratio over "
        "a window after the deploy and the same-length window before it; print both side by side; "
        "exit 1 when a signal got worse than its threshold allows, 2 when Prometheus cannot answer.",
    )
    parser.add_argument(
        "--deploy-time",
        type=parse_time,
        help="when the deploy happened (Unix seconds or ISO 8601); default: one window ago",
    )
    parser.add_argument(
        "--window",
        type=parse_duration,
        default=DEFAULT_WINDOW,
        help="length of each window (default %(default)s)",
    )
    parser.add_argument(
        "--prometheus-url",
        default=os.environ.get("OBS_PROMETHEUS_URL"),
        help="Prometheus base URL (default: $OBS_PROMETHEUS_URL)",
    )
    for flag, default, explains in (
        (
            "--max-error-ratio-increase",
            defaults.max_error_ratio_increase,
            "the 5xx ratio rises by more than this, absolute",
        ),
        (
            "--max-latency-factor",
            defaults.max_latency_factor,
            "p95 latency grows by more than this factor and by more than --latency-slack",
        ),
        (
            "--latency-slack",
            defaults.latency_slack_seconds,
            "p95 latency grows by more than this many seconds and by more than --max-latency-factor",
        ),
        (
            "--max-job-failure-increase",
            defaults.max_job_failure_ratio_increase,
            "the job failure ratio rises by more than this, absolute",
        ),
    ):
        parser.add_argument(
            flag, type=float, default=default, help=f"fail when {explains} (default %(default)s)"
        )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.deploy.verify import PrometheusError, PrometheusInstantQuery, render_table, verify

    if not args.prometheus_url:
        print(
            "obs verify-deploy: no Prometheus: pass --prometheus-url or set OBS_PROMETHEUS_URL",
            file=sys.stderr,
        )
        return 2
    now = time.time()
    window = float(args.window)
    deploy_time = args.deploy_time if args.deploy_time is not None else now - window
    if deploy_time > now:
        print("obs verify-deploy: --deploy-time is in the future", file=sys.stderr)
        return 2
    if deploy_time + window > now:
        # the after-window is not over yet: compare what there is, both windows equally long
        window = max(now - deploy_time, 1.0)
        print(f"note: only {window:.0f}s have passed since the deploy; comparing {window:.0f}s windows")
    thresholds = Thresholds(
        max_error_ratio_increase=args.max_error_ratio_increase,
        max_latency_factor=args.max_latency_factor,
        latency_slack_seconds=args.latency_slack,
        max_job_failure_ratio_increase=args.max_job_failure_increase,
    )
    try:
        result = verify(
            PrometheusInstantQuery(args.prometheus_url),
            deploy_time=deploy_time,
            window_seconds=window,
            thresholds=thresholds,
        )
    except PrometheusError as exc:
        print(f"obs verify-deploy: {exc}", file=sys.stderr)
        return 2
    stamp = datetime.fromtimestamp(deploy_time).astimezone().isoformat(timespec="seconds")
    print(f"deploy at {stamp}; {window:.0f}s before vs {window:.0f}s after")
    print(render_table(result))
    print("PASS: no signal crossed its threshold" if result.passed else "FAIL: the deploy made things worse")
    return 0 if result.passed else 1

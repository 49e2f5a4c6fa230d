"""Instrumentation overhead, side by side in one run: the project's vs the community stack, vs bare.

Three instrumentations of the same app (bench/overhead/stacks.py): none; the project's
(`setup()` + `instrument_app`); the community stack (opentelemetry-instrumentation-fastapi on the
SDK with the same OTLP/HTTP exporter, plus prometheus-fastapi-instrumentator). Both instrumented
stacks at 100 % and at 10 % sampling (ParentBased(TraceIdRatioBased)), spans posted to a local
OTLP receiver in a child process. Two workloads: a trivial endpoint, and the reference platform's
own API (demo/api.py: POST /jobs and GET /jobs/{id}) on a PostgreSQL database of the bench's own.

Figures: CPU time of this process per request (raw ASGI calls, no client), each stack paired with
the bare app of the same round, median over alternating rounds (bench/overhead/rounds.py).
`--profile project|community` prints where that stack's time goes instead (py-spy, as a goal
the run misses does: its profile is recorded under the figures in BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections import Counter
from collections.abc import Sequence

import profiling
import report
from opentelemetry import trace
from overhead import stacks
from overhead.bench_database import bench_database
from overhead.receiver import otlp_receiver
from overhead.rounds import Paired, alternate, cpu_per_request
from overhead.stacks import Stack
from overhead.workloads import Workload, platform_api, trivial

BENCH = "instrument"
THROUGHPUT_GOAL_PERCENT = 10.0  # of the platform API's throughput, at 10 % sampling
GOAL_SAMPLING = 0.1
GOAL_SAMPLINGS = (1.0, 0.1)
PROFILE_WARM_UP = 100
# 0 % (trivial route only): metrics and never-sampled span contexts, so the rows show what the
# metrics cost and what the spans add on top of them
SAMPLINGS = (*GOAL_SAMPLINGS, 0.0)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21, help="trivial-route rounds (default 21)")
    parser.add_argument("--requests", type=int, default=400, help="trivial-route requests per app a round")
    parser.add_argument("--db-rounds", type=int, default=25, help="platform API rounds (default 25)")
    # ~0.5 s of requests: the flush that ends each app's turn then costs what the project's
    # exporter (one export every 500 ms) costs a service at full load; shorter turns would charge
    # each request a larger share of an export's fixed ~1 ms
    parser.add_argument("--db-requests", type=int, default=150, help="platform API requests per app a round")
    parser.add_argument("--warm-up", type=int, default=100, help="requests per app before the rounds")
    parser.add_argument("--seeded-jobs", type=int, default=500, help="jobs in the database before the run")
    parser.add_argument("--profile", choices=["project", "community"], help="profile one stack instead")
    parser.add_argument("--profile-sampling", type=float, default=1.0)
    return parser.parse_args(argv)


def show(workload: Workload, results: dict[str, Paired]) -> None:
    print(f"\n{workload.name}: bare {results['bare'].cpu_us:.0f} µs CPU a request")
    for label, figure in results.items():
        if label != "bare":
            first, third = figure.added_quartiles
            print(
                f"  {label:<26} {figure.cpu_us:7.0f} µs  added {figure.added_us:+6.0f} µs"
                f" (middle half {first:+.0f}..{third:+.0f})  throughput cost {figure.throughput_cost:5.1f} %"
            )


def ratio(project: Paired, community: Paired) -> float:
    return project.added_us / community.added_us if community.added_us > 0 else math.nan


def record(workload: Workload, results: dict[str, Paired], *, is_database: bool, rounds: int) -> None:
    bare = results["bare"].cpu_us
    note = f"median of {rounds} rounds, CPU of this process"
    report.record(BENCH, f"bare CPU per request: {workload.name}", bare, "µs", note=note)
    for sampling in SAMPLINGS:
        sampled = f"{sampling:.0%} sampled"
        if f"project, {sampled}" not in results:
            continue
        figures = {name: results[f"{name}, {sampled}"] for name in ("project", "community")}
        for name, figure in figures.items():
            first, third = figure.added_quartiles
            report.record(
                BENCH,
                f"added CPU per request, {name}, {sampled}: {workload.name}",
                figure.added_us,
                "µs",
                note=f"median of {rounds} paired differences to bare (middle half {first:.0f}..{third:.0f})",
            )
        report.record(
            BENCH,
            f"added CPU, project / community, {sampled}: {workload.name}",
            ratio(figures["project"], figures["community"]),
            "",  # a ratio
            at_most=1.0 if sampling in GOAL_SAMPLINGS else None,
            note="the project's added CPU per request over the community stack's",
        )
        if is_database:
            for name, figure in figures.items():
                goal = name == "project" and sampling == GOAL_SAMPLING
                report.record(
                    BENCH,
                    f"throughput cost, {name}, {sampled}: {workload.name}",
                    figure.throughput_cost,
                    "%",
                    at_most=THROUGHPUT_GOAL_PERCENT if goal else None,
                    note=(
                        f"requests per CPU-second of the API process against bare ({bare:.0f} µs): added "
                        f"{figure.added_us:.0f} µs, middle half {figure.added_quartiles[0]:.0f}.."
                        f"{figure.added_quartiles[1]:.0f}"
                    ),
                )


def profile(stack: Stack, workload: Workload, requests: int) -> Counter[str]:
    """py-spy samples of this process while `stack`'s app serves `requests` of the workload.

    Runs in a thread of its own with its own event loop, so the bench's loop sits idle meanwhile.
    """
    app = stack.build(workload.routes)

    def serve(count: int) -> None:
        asyncio.run(cpu_per_request(app, workload.exchanges(count), stack))

    serve(PROFILE_WARM_UP)
    return profiling.profile_while(os.getpid(), lambda: serve(requests))


def print_profile(title: str, samples: Counter[str]) -> None:
    print(f"\n== where the time goes: {title} ({sum(samples.values())} py-spy samples of the GIL holder)")
    for name, share in profiling.self_time_by_area(samples):
        print(f"  {share:5.1f} %  {name}")
    for name, share in profiling.inclusive_by_project_function(samples):
        print(f"  {share:5.1f} %  {name} (inclusive)")


def missed_goals(
    workload: Workload, results: dict[str, Paired], *, is_database: bool
) -> list[tuple[float, str]]:
    """(sampling, what was missed) for each goal the project's figures miss on this workload."""
    missed = []
    for sampling in GOAL_SAMPLINGS:
        sampled = f"{sampling:.0%} sampled"
        project, community = results[f"project, {sampled}"], results[f"community, {sampled}"]
        if not ratio(project, community) <= 1.0:
            missed.append((sampling, f"added CPU at {sampled} not below the community stack's"))
        if is_database and sampling == GOAL_SAMPLING and project.throughput_cost > THROUGHPUT_GOAL_PERCENT:
            missed.append((sampling, f"throughput cost over {THROUGHPUT_GOAL_PERCENT:.0f} % at {sampled}"))
    return missed


async def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    server_url = os.environ.get("OBS_TEST_POSTGRES_URL", report.DEFAULT_POSTGRES)
    with otlp_receiver() as receiver, bench_database(server_url, args.seeded_jobs) as database:
        print(f"platform API on PostgreSQL database {database.name} (dropped after)")
        stack_list = [stacks.bare()]
        for sampling in SAMPLINGS:
            stack_list += [
                stacks.project(receiver.traces_url, sampling),
                stacks.community(receiver.traces_url, sampling),
            ]
        # a global provider, as setup() and the SDK's documentation both set one: FastAPI's own
        # telemetry checks for it (the bare app has it off; the other two turn it off themselves)
        trace.set_tracer_provider(stack_list[1].provider)  # type: ignore[arg-type]
        platform = platform_api(database.engine, database.job_ids)
        runs = [
            (trivial(), stack_list, args.rounds, args.requests),
            # without the 0 % rows: the platform API's rounds are the long ones
            (platform, [s for s in stack_list if s.sampling != 0.0], args.db_rounds, args.db_requests),
        ]
        try:
            if args.profile:
                chosen = next(
                    s for s in stack_list if s.name == args.profile and s.sampling == args.profile_sampling
                )
                for workload, _, _, requests in runs:
                    stacks_sampled = await asyncio.to_thread(profile, chosen, workload, requests * 10)
                    print_profile(f"{chosen.label}, {workload.name}", stacks_sampled)
                return
            for stack in stack_list[1:]:
                await stacks.check_ships_telemetry(stack, runs[0][0], receiver)
            for workload, measured, rounds, requests in runs:
                print(
                    f"\n{workload.name}: {rounds} alternating rounds of {requests} sequential requests"
                    " per app, raw ASGI calls, CPU time of this process"
                )
                results = await alternate(
                    workload, measured, rounds=rounds, requests=requests, warm_up=args.warm_up
                )
                show(workload, results)
                record(workload, results, is_database=workload is platform, rounds=rounds)
                for sampling, what in missed_goals(workload, results, is_database=workload is platform):
                    if profiling.py_spy() is None:
                        print(f"goal missed ({what}); py-spy is not installed, so no profile")
                        continue
                    project = next(s for s in stack_list if s.name == "project" and s.sampling == sampling)
                    try:
                        sampled = await asyncio.to_thread(profile, project, workload, requests * 10)
                    except RuntimeError as exc:  # py-spy could not attach: the figures still stand
                        print(f"goal missed ({what}); no profile: {exc}")
                        continue
                    title = f"{project.label}, {workload.name}"
                    print_profile(title, sampled)
                    report.record_profile(BENCH, title, sampled, note=f"goal missed: {what}")
        finally:
            for stack in stack_list:
                stack.shutdown()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

"""CPU time per request of several apps, in alternating rounds, and the paired medians over rounds.

CPU time of this process (time.process_time: every thread, so the span exporter's encoding and
posting count) rather than wall time: other load on the machine skews it far less. Each round
measures every app once, in an order rotated from round to round, so slow drifts of the machine's
load fall on all of them alike; each app is compared with the bare app of the same round, and the
figure is the median over rounds of those paired differences.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp

from .asgi_calls import call_expecting
from .stacks import Stack
from .workloads import Exchange, Workload


@dataclass(frozen=True)
class Paired:
    """One app against the bare app over the rounds: medians of the per-round figures."""

    cpu_us: float  # CPU per request
    added_us: float  # CPU per request over the bare app's in the same round
    added_quartiles: tuple[float, float]  # the middle half of those paired differences: the noise
    throughput_cost: float  # 1 - (its requests per CPU-second / the bare app's), in %


def paired(cpu_us: Mapping[str, Sequence[float]], baseline: str) -> dict[str, Paired]:
    """Each app's per-round CPU per request against `baseline`'s of the same round."""
    base = cpu_us[baseline]
    figures = {}
    for name, samples in cpu_us.items():
        added = [s - b for s, b in zip(samples, base, strict=True)]
        first, _, third = statistics.quantiles(added, n=4) if len(added) > 1 else (added[0],) * 3
        figures[name] = Paired(
            cpu_us=statistics.median(samples),
            added_us=statistics.median(added),
            added_quartiles=(first, third),
            throughput_cost=statistics.median((1 - b / s) * 100 for s, b in zip(samples, base, strict=True)),
        )
    return figures


async def cpu_per_request(app: ASGIApp, exchanges: Sequence[Exchange], stack: Stack) -> float:
    """Microseconds of process CPU per request, the export of the requests' spans included."""
    started = time.process_time()
    for request, expected in exchanges:
        await call_expecting(app, request, expected)
    stack.flush()
    return (time.process_time() - started) / len(exchanges) * 1e6


async def alternate(
    workload: Workload, stacks: Sequence[Stack], *, rounds: int, requests: int, warm_up: int
) -> dict[str, Paired]:
    """Build the workload's app with each stack, measure them in alternating rounds, pair with bare."""
    apps = {stack.label: (stack, stack.build(workload.routes)) for stack in stacks}
    for stack, app in apps.values():  # route compilation, caches, connections, first exports
        await cpu_per_request(app, workload.exchanges(warm_up), stack)
    samples: dict[str, list[float]] = {label: [] for label in apps}
    order = list(apps)
    for round_number in range(rounds):
        shift = round_number % len(order)
        for label in order[shift:] + order[:shift]:
            stack, app = apps[label]
            samples[label].append(await cpu_per_request(app, workload.exchanges(requests), stack))
    return paired(samples, baseline=stacks[0].label)

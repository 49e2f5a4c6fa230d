"""Each injected fault makes its alert fire in the fast profile within 60 s; healing resolves it."""

from __future__ import annotations

import pytest

from demo.inject import inject
from tests.live.conftest import LiveStack
from tests.live.prometheus import wait_for

pytestmark = pytest.mark.e2e

FIRING_WITHIN_SECONDS = 60
RESOLVED_WITHIN_SECONDS = 60

# Faults in one group touch different components and alerts, so they run at the same time;
# the groups run one after another (a stopped worker makes no dependency calls to slow down).
FAULT_GROUPS = (
    {"dependency-errors": "PlatformDependencyHighErrorRatio", "api-errors": "PlatformApiHighErrorRatio"},
    {"dependency-latency": "PlatformDependencyHighLatency"},
    # with the worker paused, the API's health checks are the dependency's only callers
    {"worker-stop": "PlatformWorkerDown", "dependency-outage": "PlatformDependencyDown"},
)


@pytest.mark.parametrize("faults", FAULT_GROUPS, ids=lambda group: "+".join(group))
def test_fault_fires_its_alert_and_healing_resolves_it(live: LiveStack, faults: dict[str, str]) -> None:
    prometheus = live.prometheus
    expected = set(faults.values())
    assert not expected & _firing(live), "alert firing before the fault was injected"
    try:
        for kind in faults:
            inject(live.running, kind)
        took = wait_for(lambda: expected <= _firing(live), timeout=FIRING_WITHIN_SECONDS)
        print(f"{' + '.join(faults)}: {', '.join(sorted(expected))} firing after {took:.1f}s")
    finally:
        for kind in faults:
            live.heal(kind)
        live.faults_exercised.update(faults)
    took = wait_for(lambda: not expected & set(prometheus.alert_states()), timeout=RESOLVED_WITHIN_SECONDS)
    print(f"resolved {took:.1f}s after healing")


def _firing(live: LiveStack) -> set[str]:
    return {name for name, states in live.prometheus.alert_states().items() if "firing" in states}

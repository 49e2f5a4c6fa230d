"""`obs verify-deploy` on the live platform: a clean deploy passes, one followed by a fault fails."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from demo.inject import inject
from tests.live.conftest import LiveStack

pytestmark = pytest.mark.e2e

WINDOW_SECONDS = 10
SCRAPE_LAG_SECONDS = 2  # the last samples of the after-window must be scraped before we ask


def verify_deploy(live: LiveStack, deploy_time: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "observability.cli",
            "verify-deploy",
            "--prometheus-url",
            live.stack.url("prometheus"),
            "--deploy-time",
            f"{deploy_time:.3f}",
            "--window",
            f"{WINDOW_SECONDS}s",
            # a loaded CI machine can double a 20 ms p95 for a few seconds: not what this test is about
            "--latency-slack",
            "0.5",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_clean_deploy_passes(live: LiveStack) -> None:
    # both windows must lie in time with traffic and after the last fault, or this is no clean deploy
    quiet_since = max(live.traffic_since, live.healed_at)
    time.sleep(max(quiet_since + 2 * WINDOW_SECONDS + SCRAPE_LAG_SECONDS - time.time(), 0))
    deploy_time = time.time() - WINDOW_SECONDS - SCRAPE_LAG_SECONDS
    result = verify_deploy(live, deploy_time)
    print(result.stdout)
    both_windows = f"{2 * WINDOW_SECONDS}s"
    server_errors = live.prometheus.series(
        f'sum by (route, status) (increase(http_requests_total{{job="api",status=~"5.."}}[{both_windows}]))'
    )
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n5xx by route: {server_errors}"
    assert "PASS" in result.stdout
    assert "no data" not in result.stdout


def test_deploy_followed_by_api_errors_fails(live: LiveStack) -> None:
    deploy_time = time.time()
    try:
        inject(live.running, "api-errors")
        time.sleep(WINDOW_SECONDS + SCRAPE_LAG_SECONDS)
    finally:
        live.heal("api-errors")
    result = verify_deploy(live, deploy_time)
    print(result.stdout)
    assert result.returncode == 1, result.stdout + result.stderr
    (error_row,) = [line for line in result.stdout.splitlines() if line.startswith("API error ratio")]
    assert error_row.rstrip().endswith("FAIL")

"""OBS_DELIVERY_LEASE_SECONDS: how long a claimed row is held, never shorter than four Slack calls."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from observability.web.app import create_app
from tests.api.conftest import settings_for


@pytest.mark.parametrize(
    ("lease", "slack_timeout", "held"),
    [(60.0, 10.0, 60.0), (8.0, 2.0, 8.0), (5.0, 2.0, 8.0), (30.0, 20.0, 80.0)],
)
def test_the_lease_is_the_setting_but_at_least_four_call_timeouts(
    tmp_path: Path, lease: float, slack_timeout: float, held: float
) -> None:
    settings = settings_for(
        f"sqlite:///{tmp_path / 'lease.db'}",
        slack_bot_token="xoxb-lease-test",
        delivery_lease_seconds=lease,
        slack_timeout_seconds=slack_timeout,
    )
    app = create_app(settings)
    assert app.state.delivery.sender.lease == timedelta(seconds=held)

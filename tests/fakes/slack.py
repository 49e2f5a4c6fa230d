"""The `fake_slack` fixture: the fake Slack Web API (demo/fake_slack) as a real subprocess.

One process per test session on a free port, started with incident/people.yml as its users, and
#alerts and every channel incident/escalation.yml names; every test gets it reset to that state.
`fake_slack.base_url` is slack-sdk's `base_url`, `fake_slack.bot_token` the only token it accepts,
`fake_slack.signing_secret` what it signs with.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from demo.fake_slack.client import FakeSlack, run_fake_slack
from tests.support import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# The channels a real workspace has before the bot runs: OBS_SLACK_ALERTS_CHANNEL's default, the matrix's.
DEFAULT_ALERTS_CHANNEL = "alerts"
MATRIX = REPO_ROOT / "incident" / "escalation.yml"


@contextlib.contextmanager
def seeded_fake_slack(log_dir: Path) -> Iterator[FakeSlack]:
    """A fake Slack of its own on a free port: fresh secrets, people.yml's users, the seeded channels."""
    with run_fake_slack(
        free_port(),
        log_dir,
        signing_secret=f"test-signing-secret-{secrets.token_hex(8)}",
        bot_token=f"xoxb-test-{secrets.token_hex(8)}",
        users=REPO_ROOT / "incident" / "people.yml",
        channels=[DEFAULT_ALERTS_CHANNEL],
        channels_from=MATRIX,
    ) as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_slack_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSlack]:
    with seeded_fake_slack(tmp_path_factory.mktemp("fake-slack")) as fake:
        yield fake


@pytest.fixture
def fake_slack(fake_slack_server: FakeSlack) -> Iterator[FakeSlack]:
    """The session's fake Slack, reset: the seeded channels, no messages, calls, faults; wall clock."""
    fake_slack_server.reset()
    yield fake_slack_server
    fake_slack_server.reset()  # releases requests a timeout fault still holds

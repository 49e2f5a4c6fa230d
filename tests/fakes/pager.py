"""The `fake_pager` fixture: the outgoing-webhook receiver (demo/fake_pager.py) as a real subprocess.

`fake_pager.webhook_url("page")` is where the sender posts; `fake_pager.secret` what it signs with
(the scheme is in demo/fake_pager.py's docstring). Reset for every test.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from demo.fake_pager import FakePager, run_fake_pager
from tests.support import free_port


@pytest.fixture(scope="session")
def fake_pager_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePager]:
    secret = f"test-webhook-secret-{secrets.token_hex(8)}"
    with run_fake_pager(free_port(), tmp_path_factory.mktemp("fake-pager"), secret=secret) as pager:
        yield pager


@pytest.fixture
def fake_pager(fake_pager_server: FakePager) -> Iterator[FakePager]:
    fake_pager_server.reset()
    yield fake_pager_server
    fake_pager_server.reset()

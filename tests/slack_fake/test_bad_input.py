"""Whatever a client sends, the fake answers like Slack (ok:false with an error), never a 500."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from demo.fake_slack.client import FakeSlack
from demo.fake_slack.methods import METHODS

KEYS = (
    "channel", "name", "text", "blocks", "metadata", "ts", "thread_ts", "users", "user", "email", "topic",
    "trigger_id", "view", "oldest", "latest", "limit", "cursor", "inclusive", "message_ts", "force",
)  # fmt: skip
ODD_VALUES: list[Any] = [
    "", "x" * 5000, "-1", "nan", "inf", "[]", "{}", "[1, 2]", '{"type": 1}', "null", "\u0000", "%zz",
    "1.000001", "#", "<script>", "C0000000001",
]  # fmt: skip
ODD_JSON: list[Any] = [
    None,
    0,
    -5,
    1.5,
    True,
    [],
    {},
    [None],
    [{"type": "section"}],
    {"event_type": 1},
    ["x"],
]


@pytest.fixture
def post(fake_slack: FakeSlack) -> Iterator[Any]:
    fake_slack.freeze_clock()
    fake_slack.set_rate(limit=100_000)
    fake_slack.web_client().chat_postMessage(channel="alerts", text="a message to aim at")
    auth = {"Authorization": f"Bearer {fake_slack.bot_token}"}
    with httpx.Client(base_url=fake_slack.base_url, timeout=10) as http:

        def send(method: str, headers: dict[str, str] | None = None, **kwargs: Any) -> httpx.Response:
            return http.post(method, headers=auth | (headers or {}), **kwargs)

        yield send


@pytest.mark.parametrize("method", sorted(METHODS))
def test_odd_form_and_json_arguments_get_a_slack_error_not_a_500(post: Any, method: str) -> None:
    answers = []
    for value in ODD_VALUES:
        answers.append(post(method, data={key: value for key in KEYS}))
    for value in ODD_JSON:
        answers.append(post(method, json={key: value for key in KEYS}))
    answers.append(post(method, content=b"{not json", headers={"Content-Type": "application/json"}))
    answers.append(post(method, content=b"\xff\xfe", headers={"Content-Type": "text/plain"}))
    for answer in answers:
        assert answer.status_code in (200, 429), (answer.request.content[:200], answer.text[:300])
        assert isinstance(answer.json()["ok"], bool)


def test_bad_admin_requests_are_400_naming_the_problem(fake_slack: FakeSlack) -> None:
    admin = httpx.Client(base_url=fake_slack.url + "_admin/", timeout=10)
    for path, body in [
        ("faults", {"mode": "500", "duration": "soon"}),
        ("clock", {"advance": "a lot"}),
        ("rate", {"limit": 0}),
        ("send/action", {"action_id": "x", "user_id": "U1", "channel_id": "C1", "message_ts": "1.0"}),
        ("send/command", {"text": "no user"}),
        ("send/unknown", {}),
        ("channels", {"name": "Not A Name"}),
        ("users", {"users": [{"name": "no id"}]}),
    ]:
        answer = admin.post(path, content=json.dumps(body))
        assert answer.status_code == 400 and answer.json()["error"], (path, answer.text)
    assert admin.post("clock", content=b"[not json").status_code == 400
    admin.close()

"""`/incident` parsing and Slack request keys (pure)."""

from __future__ import annotations

from observability.web.slack_bot import request_key
from observability.web.slack_commands import Command, parse


def test_subcommands_take_an_explicit_incident_and_the_rest_as_text() -> None:
    assert parse("resolve fixed by rollback") == Command("resolve", None, "fixed by rollback")
    assert parse("ack #42") == Command("ack", 42, "")
    assert parse("NOTE #7 db failover done") == Command("note", 7, "db failover done")
    assert parse("note 42 is the answer") == Command("note", None, "42 is the answer")
    assert parse("") == Command("help", None, "")


def test_bad_commands_say_what_is_wrong() -> None:
    assert "Unknown subcommand `deploy`" in str(parse("deploy now"))
    assert "needs some text" in str(parse("note"))
    assert "needs a level" in str(parse("severity #3"))


def test_a_retry_has_the_key_of_the_request_it_repeats() -> None:
    body = {"trigger_id": "13345.abc", "text": "ack"}
    assert request_key(body) == request_key(dict(body)) == "trigger:13345.abc"
    assert request_key({"event_id": "Ev1"}) == "event:Ev1"
    assert request_key({"a": 1}) != request_key({"a": 2})

"""`python -m demo.fake_slack --port P`: the fake Slack Web API (see `--help`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
import yaml

from .rules import RateWindow
from .server import create_app
from .workspace import User, Workspace


def load_users(path: Path) -> dict[str, User]:
    """Users from people.yml (`slack_user_id`, `name`, `email`) or a JSON/YAML list of {id, name, email}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    people = data.get("people", []) if isinstance(data, dict) else data or []
    users = {}
    for person in people:
        user_id = person.get("slack_user_id") or person.get("id")
        if user_id:
            users[user_id] = User(user_id, person.get("name") or user_id, person.get("email"))
    return users


def channels_named_in(path: Path) -> list[str]:
    """Every `channel: "#name"` in a YAML file (the escalation matrix's targets), in order, once each."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "channel" and isinstance(value, str) and value.removeprefix("#") not in found:
                    found.append(value.removeprefix("#"))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.fake_slack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", default="fake-signing-secret", help="signs what it sends")
    parser.add_argument("--events-url", help="the app's /slack/events, for commands and actions")
    parser.add_argument("--bot-token", help="the only bot token accepted (default: any xoxb- token)")
    parser.add_argument("--users", type=Path, help="people.yml or a list of {id, name, email}")
    parser.add_argument(
        "--channel", action="append", default=[], help="a channel that exists from the start (repeatable)"
    )
    parser.add_argument(
        "--channels-from",
        type=Path,
        help="also every `channel:` named in this YAML (incident/escalation.yml)",
    )
    parser.add_argument("--rate-limit", type=int, default=1, help="messages per channel per window")
    parser.add_argument("--rate-window", type=float, default=1.0, help="the window, in seconds")
    args = parser.parse_args(argv)
    users = load_users(args.users) if args.users else {}
    channels = [name.removeprefix("#") for name in args.channel]
    if args.channels_from:
        channels += [name for name in channels_named_in(args.channels_from) if name not in channels]

    def new_workspace() -> Workspace:
        workspace = Workspace(
            bot_token=args.bot_token,
            signing_secret=args.signing_secret,
            events_url=args.events_url,
            public_url=f"http://{args.host}:{args.port}/",
            users=dict(users),
            rate=RateWindow(args.rate_limit, args.rate_window),
        )
        for name in channels:
            workspace.add_channel(name)
        return workspace

    print(json.dumps({"fake_slack": f"http://{args.host}:{args.port}/"}), flush=True)
    uvicorn.run(create_app(new_workspace), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

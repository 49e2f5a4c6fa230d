"""`python -m demo.fake_slack --port P [--signing-secret S] [--events-url URL] [--users FILE]`."""

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m demo.fake_slack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--signing-secret", default="fake-signing-secret", help="signs what it sends")
    parser.add_argument("--events-url", help="the app's /slack/events, for commands and actions")
    parser.add_argument("--bot-token", help="the only bot token accepted (default: any xoxb- token)")
    parser.add_argument("--users", type=Path, help="people.yml or a list of {id, name, email}")
    parser.add_argument("--rate-limit", type=int, default=1, help="messages per channel per window")
    parser.add_argument("--rate-window", type=float, default=1.0, help="the window, in seconds")
    args = parser.parse_args(argv)
    users = load_users(args.users) if args.users else {}

    def new_workspace() -> Workspace:
        return Workspace(
            bot_token=args.bot_token,
            signing_secret=args.signing_secret,
            events_url=args.events_url,
            users=dict(users),
            rate=RateWindow(args.rate_limit, args.rate_window),
        )

    print(json.dumps({"fake_slack": f"http://{args.host}:{args.port}/"}), flush=True)
    uvicorn.run(create_app(new_workspace), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""`obs serve`: migrate the database, print the Alertmanager receiver to paste, run the service."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic-settings and the store: not at `obs` start-up
    from observability.config import Settings

WEBHOOK_PATH = "/api/v1/webhooks/alertmanager"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the incident service (webhook, API, pages)",
        description="Run the incident service with uvicorn. Settings come from OBS_* environment "
        "variables (see README); the database is migrated to the newest schema first.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (default 1; more only on PostgreSQL: SQLite has one writer)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=("critical", "error", "warning", "info", "debug")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from observability.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        return _fail(str(exc))
    if settings.webhook_token is None and not settings.webhook_allow_unauthenticated:
        return _fail(
            "invalid setting OBS_WEBHOOK_TOKEN: not set; set it (or OBS_WEBHOOK_TOKEN_FILE), "
            "or set OBS_WEBHOOK_ALLOW_UNAUTHENTICATED=1 to accept unauthenticated webhooks"
        )
    if args.log_level == "debug":
        # uvicorn configures only its own loggers; at debug the service's and its libraries'
        # lines (slack-sdk, httpx, SQLAlchemy) are wanted too.
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s:  %(name)s: %(message)s")
    import uvicorn
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from observability.store.migrate import upgrade
    from observability.web.app import create_app

    database = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        return _fail(
            f"cannot migrate the database {database}: {exc.__class__.__name__}: {exc}".splitlines()[0]
        )
    print(f"obs serve: database {database} is at the newest schema", flush=True)
    print(receiver_snippet(settings, args.host, args.port), flush=True)
    from observability.escalation.loading import MatrixError

    try:
        app = create_app(settings)
    except MatrixError as exc:  # the service refuses to start on an invalid escalation matrix
        return _fail(f"{exc} (check it with `obs check-config`)")
    except SettingsError as exc:  # a setting only the app can check (OBS_API_TOKENS)
        return _fail(str(exc))
    # uvloop and httptools (both installed) rather than "auto", so a missing one fails loudly;
    # one access-log line per webhook cost more than the line is worth below "info".
    server = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "loop": "uvloop",
        "http": "httptools",
        "access_log": args.log_level in ("info", "debug"),
    }
    if args.workers > 1:
        # Each worker process builds its own app (and engine) from the same environment.
        uvicorn.run(
            "observability.web.app:app_from_environment", factory=True, workers=args.workers, **server
        )
    else:
        # What start-up built lives as long as the process: keep it out of the collector's scans.
        gc.collect()
        gc.freeze()
        uvicorn.run(app, **server)
    return 0


def receiver_snippet(settings: Settings, host: str, port: int) -> str:
    """The Alertmanager receiver that points at this service (never the token itself)."""
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{reachable}:{port}{WEBHOOK_PATH}"
    token_file = os.environ.get("OBS_WEBHOOK_TOKEN_FILE")
    if settings.webhook_token is None:
        auth = (
            "        # no http_config: OBS_WEBHOOK_ALLOW_UNAUTHENTICATED=1 (do not do this in production)\n"
        )
    elif token_file:
        auth = (
            "        http_config:\n"
            "          authorization:\n"
            f"            credentials_file: {os.path.abspath(token_file)}\n"
        )
    else:
        auth = (
            "        http_config:\n"
            "          authorization:\n"
            "            credentials: <the value of OBS_WEBHOOK_TOKEN>\n"
        )
    return (
        "Alertmanager receiver (paste into alertmanager.yml, and route alerts to it):\n"
        "receivers:\n"
        "  - name: obs-incidents\n"
        "    webhook_configs:\n"
        f"      - url: {url}\n"
        "        send_resolved: true\n"
        "        max_alerts: 0\n"
        f"{auth}"
    )


def _fail(message: str) -> int:
    print(f"obs serve: {message}", file=sys.stderr)
    return 2

"""`obs migrate`: upgrade the database to the newest schema and exit (a Kubernetes initContainer)."""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "migrate",
        help="upgrade the database (OBS_DATABASE_URL) to the newest schema and exit",
        description="Apply every Alembic migration up to head on the database OBS_DATABASE_URL (or "
        "OBS_DATABASE_URL_FILE) names, under an advisory lock on PostgreSQL, and exit. `obs serve` "
        "does the same at start; run this first to migrate before a new version rolls out.",
    )
    parser.add_argument(
        "--downgrade",
        metavar="REVISION",
        help="instead, undo migrations down to REVISION (e.g. 0004); stop every replica first",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from alembic.util import CommandError
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from observability.config import SettingsError, load_settings
    from observability.store.migrate import upgrade

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"obs migrate: {exc}", file=sys.stderr)
        return 2
    database = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        if args.downgrade:
            _downgrade(settings.database_url, args.downgrade)
            print(f"obs migrate: database {database} downgraded to {args.downgrade}")
            return 0
        upgrade(settings.database_url)
    except (SQLAlchemyError, OSError, CommandError) as exc:
        print(
            f"obs migrate: cannot migrate {database}: {type(exc).__name__}: {exc}".splitlines()[0],
            file=sys.stderr,
        )
        return 1
    print(f"obs migrate: database {database} is at the newest schema")
    return 0


def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    from observability.store.engine import make_engine
    from observability.store.migrate import alembic_config

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
            connection.commit()
    finally:
        engine.dispose()

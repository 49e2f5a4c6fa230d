"""`obs token`: create, list and revoke API tokens in the database OBS_DATABASE_URL names."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from observability.auth.roles import ROLE_ORDER

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# What a subcommand does with the migrated store: (sessions, the URL without password) -> exit code.
StoreAction = Callable[["sessionmaker[Session]", str], int]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "token",
        help="create, list or revoke API tokens",
        description="Manage API tokens in the database OBS_DATABASE_URL names (migrated first). "
        "Only a token's SHA-256 is stored; `create` prints the token itself once.",
    )
    actions = parser.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="create a token and print it once")
    create.add_argument("--role", required=True, choices=[role.value for role in ROLE_ORDER])
    create.add_argument("--name", help="the token's name, shown as the actor in the audit log")
    create.set_defaults(handler=run_create)
    listing = actions.add_parser("list", help="list tokens (names, roles, dates; never the tokens)")
    listing.set_defaults(handler=run_list)
    revoke = actions.add_parser("revoke", help="revoke a token by name")
    revoke.add_argument("name")
    revoke.set_defaults(handler=run_revoke)


def cli_actor() -> str:
    """The audit actor of a CLI change: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _fail(message: str) -> int:
    print(f"obs token: {message}", file=sys.stderr)
    return 1


def _with_store(action: StoreAction) -> int:
    """Run `action` on the migrated database of the settings; setup errors become one line."""
    from sqlalchemy import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from observability.config import SettingsError, load_settings
    from observability.store.engine import make_engine, session_factory
    from observability.store.migrate import upgrade

    try:
        settings = load_settings()
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        engine = make_engine(settings.database_url)
    except (SettingsError, ValueError) as exc:
        return _fail(str(exc))
    try:
        upgrade(engine)
        return action(session_factory(engine), shown)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return _fail(f"cannot use the database {shown}: {reason}")
    finally:
        engine.dispose()


def run_create(args: argparse.Namespace) -> int:
    from observability.auth.roles import Role
    from observability.auth.token_store import TokenNameTaken, create_token

    role = Role(args.role)
    name = args.name or f"{role.value}-{secrets.token_hex(3)}"

    def create(sessions: sessionmaker[Session], shown: str) -> int:
        with sessions() as session:
            try:
                _row, token = create_token(
                    session, role=role, name=name, actor=cli_actor(), now=datetime.now(UTC)
                )
            except (TokenNameTaken, ValueError) as exc:
                return _fail(str(exc))
            session.commit()
        print(f"created {role.value} token {name!r} in {shown}; it is shown only now:", file=sys.stderr)
        print(token)
        return 0

    return _with_store(create)


def run_list(args: argparse.Namespace) -> int:
    from observability.auth.token_store import list_tokens

    def show(sessions: sessionmaker[Session], shown: str) -> int:
        with sessions() as session:
            rows = list_tokens(session)
        print(f"{'NAME':<32} {'ROLE':<10} {'CREATED':<33} REVOKED")
        for row in rows:
            revoked = row.revoked_at.isoformat() if row.revoked_at else "-"
            print(f"{row.name:<32} {row.role:<10} {row.created_at.isoformat():<33} {revoked}")
        return 0

    return _with_store(show)


def run_revoke(args: argparse.Namespace) -> int:
    from observability.auth.token_store import revoke_token

    def revoke(sessions: sessionmaker[Session], shown: str) -> int:
        with sessions() as session:
            row = revoke_token(session, name=args.name, actor=cli_actor(), now=datetime.now(UTC))
            if row is None:
                return _fail(f"no active token named {args.name!r}")
            session.commit()
        print(f"revoked token {args.name!r}")
        return 0

    return _with_store(revoke)

"""API tokens: generated once, shown once, stored and configured only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from observability.auth.roles import Role, parse_role

TOKEN_PREFIX = "obs_"
# 32 random bytes: a hash of that much entropy cannot be reversed, so no slow KDF is needed.
TOKEN_BYTES = 32
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")


@dataclass(frozen=True)
class Principal:
    """Who made a request: the token's name (the audit actor) and its role."""

    name: str
    role: Role


@dataclass(frozen=True)
class ConfiguredToken:
    """A token given in settings (OBS_API_TOKENS) as name:role:sha256hex."""

    name: str
    role: Role
    token_hash: str


def generate_token() -> str:
    """A new random API token (shown to its owner once, never stored)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The hex SHA-256 of a token: what the database and settings hold."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_token_name(name: str) -> str:
    """`name` if it is a valid token name, else ValueError saying what is allowed."""
    if not TOKEN_NAME.match(name):
        raise ValueError(
            f"invalid token name {name!r}: 1-100 characters of letters, digits, '_', '.', '@', '-', "
            "starting with a letter or digit"
        )
    return name


def parse_configured_tokens(spec: str) -> tuple[ConfiguredToken, ...]:
    """Parse `name:role:sha256hex,...`; ValueError names the first bad entry."""
    tokens: list[ConfiguredToken] = []
    seen: set[str] = set()
    for position, entry in enumerate((part.strip() for part in spec.split(",")), start=1):
        if not entry:
            continue
        fields = entry.split(":")
        if len(fields) != 3:
            raise ValueError(f"entry {position} must be name:role:sha256hex, got {len(fields)} field(s)")
        name, role, token_hash = (field.strip() for field in fields)
        try:
            check_token_name(name)
            parsed_role = parse_role(role)
        except ValueError as exc:
            raise ValueError(f"entry {position}: {exc}") from None
        token_hash = token_hash.lower()
        if not SHA256_HEX.match(token_hash):
            raise ValueError(f"entry {position} ({name}): the hash must be 64 hex digits of SHA-256")
        if name in seen:
            raise ValueError(f"entry {position}: token name {name!r} is given twice")
        seen.add(name)
        tokens.append(ConfiguredToken(name, parsed_role, token_hash))
    return tuple(tokens)


def match_configured(tokens: tuple[ConfiguredToken, ...], token_hash: str) -> ConfiguredToken | None:
    """The configured token with this hash; every entry is compared in constant time."""
    found = None
    for candidate in tokens:
        if hmac.compare_digest(candidate.token_hash, token_hash):
            found = candidate
    return found


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None when absent or malformed."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials

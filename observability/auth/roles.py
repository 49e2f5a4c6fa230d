"""The API roles, ordered: each role may do everything the roles below it may."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return ROLE_ORDER.index(self)

    def allows(self, required: Role) -> bool:
        """True when a holder of this role may do what `required` may."""
        return self.rank >= required.rank


ROLE_ORDER = (Role.VIEWER, Role.RESPONDER, Role.ADMIN)


def parse_role(value: str) -> Role:
    """The role named `value`, or ValueError listing the valid names."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(f"unknown role {value!r}; expected one of {', '.join(ROLE_ORDER)}") from None

"""Browser sessions (issue 10): server-side sessions of the incident pages, and the list's indexes.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from observability.store.base import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# The incident list pages: last active first, alone or within one filter.
LIST_INDEXES = {
    "ix_incidents_updated_at_id": ["updated_at", "id"],
    "ix_incidents_status_updated_at": ["status", "updated_at", "id"],
    "ix_incidents_service_updated_at": ["service", "updated_at", "id"],
    "ix_incidents_severity_updated_at": ["severity", "updated_at", "id"],
}


# Search over the title and group labels: trigram indexes on PostgreSQL, when pg_trgm can be had.
TRIGRAM_INDEXES = {
    "ix_incidents_title_trgm": "title",
    "ix_incidents_group_labels_trgm": "(CAST(group_labels AS text))",
}

log = logging.getLogger(__name__)


def upgrade() -> None:
    op.create_table(
        "browser_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(200), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_browser_sessions")),
    )
    op.create_index("ix_browser_sessions_expires_at", "browser_sessions", ["expires_at"])
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "incidents", columns)
    if op.get_bind().dialect.name == "postgresql" and _has_trigrams():
        for name, expression in TRIGRAM_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON incidents USING gin ({expression} gin_trgm_ops)")


def _has_trigrams() -> bool:
    """Create pg_trgm (a trusted extension: the database owner may) or say why search stays a scan."""
    connection = op.get_bind()
    try:
        with connection.begin_nested():
            connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError as exc:
        log.warning("pg_trgm unavailable (%s): incident search scans the table", exc.orig)
        return False
    return True


def downgrade() -> None:
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="incidents")
    op.drop_index("ix_browser_sessions_expires_at", table_name="browser_sessions")
    op.drop_table("browser_sessions")

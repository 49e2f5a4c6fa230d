"""One open storm digest per Slack channel: `slack_digests.open_channel`, unique.

Expand-only: a nullable column and a unique index; the previous release ignores the column (its
digests keep NULL, which never clashes). Each channel's newest digest becomes its open one, so a
storm in progress during the upgrade keeps its digest.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("slack_digests") as batch:
        batch.add_column(sa.Column("open_channel", sa.String(128), nullable=True))
    op.execute(
        "UPDATE slack_digests SET open_channel = channel "
        "WHERE id IN (SELECT max(id) FROM slack_digests GROUP BY channel)"
    )
    op.create_index("uq_slack_digests_open_channel", "slack_digests", ["open_channel"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_slack_digests_open_channel", table_name="slack_digests")
    with op.batch_alter_table("slack_digests") as batch:
        batch.drop_column("open_channel")

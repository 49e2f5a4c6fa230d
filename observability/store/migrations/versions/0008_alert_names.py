"""An index on incident alerts by alert name, for the runbook pages' "firing now" and "last incidents".

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_alerts_alertname", "incident_alerts", ["alertname", "incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_alerts_alertname", table_name="incident_alerts")

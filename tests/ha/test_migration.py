"""A newer release's migration, run while this (the previous) version serves the storm, stops nothing."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, inspect

from observability.store.migrate import MIGRATIONS, alembic_config, head_revisions
from tests.ingest.live import wait_until

from .store_counts import storm_counts
from .test_storm import assert_exactly_once, assert_none_refused, fire_storm, wait_for_storm
from .topology import Topology

pytestmark = pytest.mark.e2e

REVISION = "9001_ha_expand"
# An expand-only migration, as the rule in README "Upgrades" allows: a nullable column, a table.
NEXT_RELEASE_MIGRATION = '''"""The next release: expand only."""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("incidents", sa.Column("next_release_note", sa.Text(), nullable=True))
    op.create_table("next_release_probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("next_release_probe")
    op.drop_column("incidents", "next_release_note")
'''


def run_next_release_migration(database_url: str, folder: Path, direction: str) -> None:
    """Alembic with this code's migrations plus the next release's, on its own connection."""
    from alembic import command

    (head,) = head_revisions()
    folder.mkdir(exist_ok=True)
    (folder / f"{REVISION}.py").write_text(NEXT_RELEASE_MIGRATION.format(revision=REVISION, head=head))
    config = alembic_config()
    config.set_main_option("path_separator", "space")
    config.set_main_option("version_locations", f"{MIGRATIONS / 'versions'} {folder}")
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            if direction == "upgrade":
                command.upgrade(config, REVISION)
            else:
                command.downgrade(config, head)
            connection.commit()
    finally:
        engine.dispose()


def test_migration_of_the_next_release_during_a_storm_keeps_the_previous_version_serving(
    topology: Topology,
) -> None:
    prefix = f"Migr{uuid.uuid4().hex[:6]}x"
    folder = topology.folder / "next-release"
    log_offset = topology.balancer_log_size()
    storm = threading.Thread(target=fire_storm, args=(topology, prefix))
    storm.start()
    try:
        wait_until(
            lambda: storm_counts(topology.database_url, prefix).incidents >= 5, 60, "the storm to start"
        )
        run_next_release_migration(topology.database_url, folder, "upgrade")
        engine = create_engine(topology.database_url)
        assert "next_release_note" in {c["name"] for c in inspect(engine).get_columns("incidents")}
        engine.dispose()
        storm.join(60)
        assert_exactly_once(wait_for_storm(topology, prefix))
        # both replicas of the previous version still ready on the newer schema, and in rotation
        for replica in topology.replicas:
            answer = httpx.get(f"http://127.0.0.1:{replica.port}/readyz", timeout=30)
            assert answer.status_code == 200, answer.text
            assert topology.replica_in_rotation(replica)
        assert_none_refused(topology, log_offset)
    finally:
        storm.join(60)
        run_next_release_migration(topology.database_url, folder, "downgrade")

"""Alembic environment: runs on the connection `observability.store.migrate` hands over."""

from __future__ import annotations

from alembic import context

from observability.store.base import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through observability.store.migrate.upgrade(url)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

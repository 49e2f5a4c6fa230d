"""Alembic migrations of the store (one linear chain: 0001, 0002, 0003, ...)."""

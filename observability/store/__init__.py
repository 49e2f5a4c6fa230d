"""Persistence: SQLAlchemy 2 models, Alembic migrations, queries. SQLite or PostgreSQL."""

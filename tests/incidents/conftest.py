"""Store-backed incident tests run on SQLite and PostgreSQL."""

from tests.ingest.stores import store_url

__all__ = ["store_url"]

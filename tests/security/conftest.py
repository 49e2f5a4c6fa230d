"""The security suite builds its apps as the API suite does (a migrated SQLite copy per test)."""

from tests.api.conftest import make_service, migrated_sqlite, svc  # noqa: F401  (fixtures)

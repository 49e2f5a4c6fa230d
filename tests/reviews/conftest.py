"""Review tests use the API suite's app per test (fresh migrated SQLite, injected clock, role tokens)."""

from tests.api.conftest import make_service, migrated_sqlite, svc, svc_on

__all__ = ["make_service", "migrated_sqlite", "svc", "svc_on"]

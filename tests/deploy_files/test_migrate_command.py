"""`obs migrate` (the Kubernetes initContainer and the compose `obs-migrate` job)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from observability.cli import main
from observability.store.migrate import is_current


def _migrate_from_file(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    secret = tmp_path / "database_url"
    secret.write_text(url + "\n")
    monkeypatch.delenv("OBS_DATABASE_URL", raising=False)
    monkeypatch.setenv("OBS_DATABASE_URL_FILE", str(secret))
    return main(["migrate"])


def test_migrate_brings_a_sqlite_database_named_by_a_secret_file_to_the_newest_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'obs.db'}"
    assert _migrate_from_file(url, tmp_path, monkeypatch) == 0
    assert is_current(create_engine(url))
    assert "is at the newest schema" in capsys.readouterr().out
    assert main(["migrate"]) == 0  # idempotent


def test_migrate_upgrades_postgresql_and_hides_the_password(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _migrate_from_file(postgres_url, tmp_path, monkeypatch) == 0
    engine = create_engine(postgres_url)
    assert is_current(engine)
    engine.dispose()


def test_migrate_against_an_unreachable_database_fails_in_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support import free_port

    url = f"postgresql+psycopg://obs:s3cret-pw@127.0.0.1:{free_port()}/obs?connect_timeout=2"
    assert _migrate_from_file(url, tmp_path, monkeypatch) == 1
    err = capsys.readouterr().err
    assert err.startswith("obs migrate: cannot migrate postgresql+psycopg://obs:***@127.0.0.1")
    assert len(err.strip().splitlines()) == 1 and "s3cret-pw" not in err


def test_migrate_downgrade_undoes_migrations_down_to_a_revision_and_upgrade_redoes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'obs.db'}"
    assert _migrate_from_file(url, tmp_path, monkeypatch) == 0
    assert "incident_episodes" in inspect(create_engine(url)).get_table_names()
    assert main(["migrate", "--downgrade", "0003"]) == 0
    engine = create_engine(url)
    assert not is_current(engine) and "incident_episodes" not in inspect(engine).get_table_names()
    assert main(["migrate"]) == 0
    assert is_current(create_engine(url))
    assert main(["migrate", "--downgrade", "nonsense"]) == 1
    assert "obs migrate: cannot migrate" in capsys.readouterr().err


def _stamp(url: str, revision: str) -> None:
    from sqlalchemy import text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :revision"), {"revision": revision})
    engine.dispose()


def test_a_schema_migrated_by_a_newer_release_is_served_and_left_alone_by_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rollback and rolling upgrades: the previous version starts, migrates nothing, and is ready."""
    from observability.store.migrate import serves_schema

    url = f"sqlite:///{tmp_path / 'obs.db'}"
    assert _migrate_from_file(url, tmp_path, monkeypatch) == 0
    _stamp(url, "9999_from_a_newer_release")
    assert main(["migrate"]) == 0  # no "can't locate revision": nothing to do
    engine = create_engine(url)
    assert serves_schema(engine) and not is_current(engine)
    engine.dispose()


def test_a_schema_behind_this_code_is_not_served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from observability.store.migrate import serves_schema

    url = f"sqlite:///{tmp_path / 'obs.db'}"
    assert _migrate_from_file(url, tmp_path, monkeypatch) == 0
    assert main(["migrate", "--downgrade", "0003"]) == 0
    engine = create_engine(url)
    assert not serves_schema(engine)
    engine.dispose()

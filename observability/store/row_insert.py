"""Many-row INSERTs without the ORM: one JSON statement on PostgreSQL, a Core executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from pydantic_core import to_json
from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase, Session

from observability.store.base import UTCDateTime


class RowInsert:
    """An INSERT of the named columns of a model's table, for rows given as dicts with exactly those keys.

    On PostgreSQL the rows travel as one JSON array expanded by `json_populate_recordset`: a
    third cheaper than an executemany of ~10 rows, and far cheaper than the ORM bulk path.
    Columns left out get their server defaults (ids from the sequence) on both paths.
    """

    def __init__(self, model: type[DeclarativeBase], columns: Sequence[str]) -> None:
        table = cast(Table, model.__table__)
        unknown = [name for name in columns if name not in table.c]
        if unknown:
            raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
        names = ", ".join(columns)
        self._core = table.insert()
        self._from_json = (
            f"INSERT INTO {table.name} ({names}) SELECT {names} "
            f"FROM json_populate_recordset(NULL::{table.name}, CAST(%s AS json))"
        )
        self._utc_columns = tuple(name for name in columns if isinstance(table.c[name].type, UTCDateTime))

    def execute(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Insert the rows in the session's transaction (on PostgreSQL: datetimes made UTC in place)."""
        if not rows:
            return
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            connection.execute(self._core, rows)
            return
        # The JSON path bypasses column types: do what UTCDateTime does on the Core path.
        for row in rows:
            for name in self._utc_columns:
                if row[name] is not None:
                    row[name] = _utc(row[name])
        connection.exec_driver_sql(self._from_json, (to_json(rows).decode(),))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC)

"""Many-row INSERTs without the ORM: one JSON statement on PostgreSQL, a Core executemany elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from pydantic_core import to_json
from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase, Session

from observability.store.base import normalise_row, utc_columns


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
        self._utc_columns = utc_columns(table)

    def execute(self, session: Session, rows: list[dict[str, Any]]) -> None:
        """Insert the rows in the session's transaction (datetimes made aware UTC on both paths)."""
        if not rows:
            return
        normalised = [normalise_row(row, self._utc_columns) for row in rows]
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            connection.execute(self._core, normalised)
            return
        connection.exec_driver_sql(self._from_json, (to_json(normalised).decode(),))

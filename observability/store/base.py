"""The declarative base every table derives from, with stable constraint names for Alembic, and the
one rule for stored datetimes: aware, in UTC (`to_utc`, applied by every write path)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both backends (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else to_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def to_utc(value: datetime) -> datetime:
    """`value` in UTC; ValueError for a naive datetime (whose zone nobody knows)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC)


def utc_columns(table: Table) -> frozenset[str]:
    """The names of the table's UTCDateTime columns."""
    return frozenset(column.name for column in table.columns if isinstance(column.type, UTCDateTime))


def normalise_row(row: Mapping[str, Any], columns: frozenset[str]) -> dict[str, Any]:
    """A copy of `row` whose datetimes in `columns` are aware UTC (ValueError on a naive one).

    Every write path calls this on the rows it writes: the Core path would also get it from
    UTCDateTime, but the JSON statements on PostgreSQL bypass column types, and a naive value
    there would be read in the session's time zone.
    """
    normalised = dict(row)
    for name in columns.intersection(row):
        value = row[name]
        if value is not None:
            normalised[name] = to_utc(value)
    return normalised

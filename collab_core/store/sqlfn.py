"""Dialect-aware SQL expressions (SQLite and PostgreSQL) for local-time grouping."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, cast, func, literal_column, text


def _shift_sqlite(col: ColumnElement, minutes: int) -> tuple[ColumnElement, str]:
    return col, f"{int(minutes):+d} minutes"


def local_day(dialect: str, col: ColumnElement, minutes: int) -> ColumnElement:
    """'YYYY-MM-DD' of a naive-UTC timestamp shifted by `minutes`."""
    if dialect == "sqlite":
        return func.date(col, f"{int(minutes):+d} minutes")
    return func.to_char(col + text(f"interval '{int(minutes)} minutes'"), "YYYY-MM-DD")


def local_hour(dialect: str, col: ColumnElement, minutes: int) -> ColumnElement:
    if dialect == "sqlite":
        return cast(func.strftime("%H", col, f"{int(minutes):+d} minutes"), Integer)
    return cast(func.extract("hour", col + text(f"interval '{int(minutes)} minutes'")), Integer)


def local_weekday(dialect: str, col: ColumnElement, minutes: int) -> ColumnElement:
    """0 = Sunday ... 6 = Saturday on both backends."""
    if dialect == "sqlite":
        return cast(func.strftime("%w", col, f"{int(minutes):+d} minutes"), Integer)
    return cast(func.extract("dow", col + text(f"interval '{int(minutes)} minutes'")), Integer)


def message_local_day(dialect: str, created: ColumnElement, offset_col: ColumnElement) -> ColumnElement:
    """Day of a message in its author's own UTC offset."""
    if dialect == "sqlite":
        return func.date(created, func.printf("%+d minutes", offset_col))
    return func.to_char(created + offset_col * literal_column("interval '1 minute'"), "YYYY-MM-DD")

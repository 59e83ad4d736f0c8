"""INSERTs the driver runs itself (executemany of plain tuples), for rows written by the thousand:
SQLAlchemy's per-row parameter handling costs more than SQLite's insert. Each value is converted
here as its column type would convert it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import Table


def unchanged(value):
    return value


def placeholder(dialect) -> str:
    """The driver's mark for a positional value."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def driver_insert(dialect, table: Table, columns: Sequence[str], computed: Mapping[str, str] | None = None
                  ) -> tuple[str, dict[str, Callable]]:
    """The INSERT text for values of `columns` (in that order) and, per column, the conversion to
    what the driver takes (its type's bind processor). `computed`: further columns set by an SQL
    expression of the statement itself, not by a value."""
    stored = {}
    for name in columns:
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        stored[name] = processor or unchanged
    computed = computed or {}
    names = ", ".join((*columns, *computed))
    values = ", ".join((*[placeholder(dialect)] * len(columns), *computed.values()))
    return f"INSERT INTO {table.name} ({names}) VALUES ({values})", stored

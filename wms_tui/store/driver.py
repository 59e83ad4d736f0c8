"""Statements the driver runs itself: INSERTs of rows written by the thousand (executemany of
plain tuples: SQLAlchemy's per-row parameter handling costs more than SQLite's insert) and one-row
reads made on every scan. Each value is converted here as its column type would convert it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

from sqlalchemy import Connection, Select, Table
from sqlalchemy.exc import DBAPIError


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


class DriverRead:
    """A one-row SELECT built once as Core and run on the driver's own cursor, for reads made on
    every scan: SQLAlchemy's execution of a built statement (cache key, parameters, result)
    costs several times what SQLite takes to answer such a read. The statement is compiled once
    per dialect; each value is converted as its bind's type would convert it, each column as
    its type would, and a driver error is raised as SQLAlchemy would raise it."""

    def __init__(self, statement: Select) -> None:
        self.statement = statement
        self._prepared = lru_cache(maxsize=8)(self._prepare)

    def _prepare(self, dialect) -> tuple[str, list | dict, list[tuple], list[Callable]]:
        compiled = self.statement.compile(dialect=dialect)
        if compiled.positional:  # a slot per mark, in order
            slots = [(slot, compiled.binds[name]) for slot, name in enumerate(compiled.positiontup)]
            template: list | dict = [None] * len(slots)
        else:  # a key per name (a name bound in several places is one key)
            slots = list({compiled.escaped_bind_names.get(name, name): bind for bind, name in compiled.bind_names.items()}.items())
            template = {}
        given = []  # (slot, name, conversion) of the values each call gives
        for slot, bind in slots:
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect) or unchanged
            if bind.required:
                given.append((slot, bind.key, convert))
            else:
                template[slot] = convert(bind.effective_value)
        read = [column.type.dialect_impl(dialect).result_processor(dialect, None) or unchanged
                for column in self.statement.selected_columns]
        return compiled.string, template, given, read

    def one(self, conn: Connection, values: Mapping[str, object]) -> tuple:
        dialect = conn.dialect
        sql, template, given, read = self._prepared(dialect)
        parameters = template.copy()
        for key, name, convert in given:
            parameters[key] = convert(values[name])
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, parameters)
            row = cursor.fetchone()
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(sql, parameters, exc, dialect.loaded_dbapi.Error, dialect=dialect) from exc
        finally:
            cursor.close()
        return tuple(convert(value) for convert, value in zip(read, row, strict=True))

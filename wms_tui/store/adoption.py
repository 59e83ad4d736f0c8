"""A station's SQLite file as the first data of a new central database: every table the site's
work lives in copied row for row (the same ids, in foreign-key order, read in one snapshot of
the file), so central holds the station's master data, documents and ledger exactly as the
station does. Central's triggers log each copied row as they log any insert, so terminals pull
the copy as they pull central's own rows. Not copied: the tables those triggers keep, and the
station's own bookkeeping (its sync position and outboxes, who is signed in on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import Connection, Table, bindparam, func, literal_column, select, text
from sqlmodel import SQLModel

import wms_tui.store.models  # noqa: F401 - registers every table on SQLModel.metadata
from wms_tui.domain.errors import InvalidInput

# Kept by central's triggers as the rows arrive (change logs, the console's order facts).
DERIVED = frozenset({"change_log", "change_counter", "change_due", "move_change", "order_facts"})
# The station's own: its sync position and outboxes, who is signed in on it and whose step it
# holds, its sign-in lock-out.
STATION_ONLY = frozenset({"sync_state", "document_outbox", "task_done_outbox", "floor_session", "held_step", "terminal_lock"})
# Central's own: the terminals enrolled and the conflicts sync raised.
CENTRAL_ONLY = frozenset({"sync_terminal", "sync_conflict"})
# The keys a database makes for itself at its creation (the badge key): central takes the
# station's, which its operators' badge hashes were made with.
SITE_KEYS = "site_secret"
ROWS_PER_STATEMENT = 5000


class NotEmpty(InvalidInput):
    """Central already holds a site's data: a station is adopted only into a new database."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def copied_tables() -> list[Table]:
    """The tables copied, each after those it references."""
    skipped = DERIVED | STATION_ONLY | CENTRAL_ONLY
    return [table for table in SQLModel.metadata.sorted_tables if table.name not in skipped]


def rows_to_copy(station: Connection) -> dict[str, int]:
    """Rows of each copied table in the station's file (in the caller's snapshot)."""
    return {table.name: station.scalar(select(func.count()).select_from(table)) for table in copied_tables()}


def check_empty(central: Connection) -> None:
    """Refuses a central database that holds any row of a copied table but its own site keys."""
    for table in copied_tables():
        if table.name != SITE_KEYS and central.execute(select(literal_column("1")).select_from(table).limit(1)).first():
            raise NotEmpty(f"the central database already holds {table.name} rows: a station is adopted only into a "
                           "new central database (wms-tui central init on an empty one)")


def _self_references(table: Table) -> list[str]:
    """Columns that reference another row of the same table (a bin's parent, a pallet's
    cartons): copied in a second pass, as a row may name one with a higher id. A move names the
    move it reverses, always posted before it, so moves keep theirs (they are never updated)."""
    if table.name == "stock_move":
        return []
    return sorted(fk.parent.name for fk in table.foreign_keys if fk.column.table is table)


def _batches(station: Connection, table: Table) -> Iterator[list[dict]]:
    """The table's rows by key (moves in the order they were posted), a statement's worth at a time."""
    order = [literal_column("rowid")] if table.name == "stock_move" else list(table.primary_key.columns)
    result = station.execution_options(yield_per=ROWS_PER_STATEMENT).execute(select(table).order_by(*order))
    for partition in result.mappings().partitions():
        yield [dict(row) for row in partition]


def _insert(central: Connection, table: Table, rows: list[dict]) -> None:
    """One COPY of the rows, each value converted as an INSERT would bind it (an INSERT of
    many rows took three times as long: 100,000 moves in 14 s)."""
    dialect, columns = central.dialect, list(table.columns)
    convert = [column.type.dialect_impl(dialect).bind_processor(dialect) or (lambda value: value) for column in columns]
    quote = dialect.identifier_preparer.quote
    cursor = central.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {quote(table.name)} ({', '.join(quote(column.name) for column in columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([to_driver(row[column.name]) for column, to_driver in zip(columns, convert, strict=True)])


def _copy_table(station: Connection, central: Connection, table: Table, copied: Callable[[int], None]) -> int:
    later = _self_references(table)
    key = table.primary_key.columns.values()[0]
    pending: list[dict] = []
    count = 0
    for rows in _batches(station, table):
        pending.extend({"key": row[key.name], **{name: row[name] for name in later}}
                       for row in rows if any(row[name] is not None for name in later))
        _insert(central, table, [{**row, **dict.fromkeys(later)} for row in rows])
        count += len(rows)
        copied(len(rows))
    if pending:
        central.execute(table.update().where(key == bindparam("key")).values({name: bindparam(name) for name in later}), pending)
    return count


def _restart_numbering(central: Connection, table: Table) -> None:
    """A table whose ids PostgreSQL numbers continues after the highest copied one."""
    if len(table.primary_key.columns) != 1:
        return
    column = table.primary_key.columns.values()[0].name
    sequence = central.scalar(text("SELECT pg_get_serial_sequence(:table, :column)"), {"table": table.name, "column": column})
    if sequence is not None:  # setval of NULL (no rows) changes nothing
        central.execute(text(f"SELECT setval(CAST(:sequence AS regclass), (SELECT max({column}) FROM {table.name}))"),
                        {"sequence": sequence})


def copy_station(station: Connection, central: Connection, copied: Callable[[int], None] = lambda _rows: None) -> list[Copied]:
    """Copy the station's tables into the (empty) central database, in the callers'
    transactions; `copied(rows)` is called as each statement's rows are in."""
    check_empty(central)
    result = []
    for table in copied_tables():
        if table.name == SITE_KEYS:
            central.execute(table.delete())
        result.append(Copied(table.name, _copy_table(station, central, table, copied)))
        _restart_numbering(central, table)
    return result

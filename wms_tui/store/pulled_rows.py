"""Master data and tasks as they travel from the central database to terminals: read by the
change log's keys and written as JSON-ready rows whose references are natural keys (a SKU, a
location code), then upserted on the terminal by their own natural key.

Core, in one module: the same few statements serve every pulled table, driven by `TABLES`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Connection, Date, DateTime, Table, Uuid, bindparam, case, func, select
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.domain.errors import NotFound
from wms_tui.domain.states import TaskState
from wms_tui.store.ledger import LOOKUP_CHUNK
from wms_tui.store.models import (
    ChangeLog,
    Item,
    ItemBarcode,
    Location,
    Operator,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    SiteSecret,
    Task,
    Warehouse,
)
from wms_tui.store.types import ScaledDecimal


@dataclass(frozen=True)
class Reference:
    """A foreign key sent as the referenced row's natural key."""

    table: Table
    key: str
    # A document's header, logged in the same scope as its lines: it may have changed after
    # them (past the end of their page), so it is sent with them when the page lacks it.
    along: bool = False


@dataclass(frozen=True)
class Pulled:
    table: Table
    key: str  # the natural key: what the change log names and the terminal upserts on
    references: dict[str, Reference]
    # Columns that are the terminal's own business (its id, local security state).
    local: frozenset[str] = frozenset({"id"})
    # Columns the terminal owns while central leases the row to it (its progress on a task):
    # a pull keeps its values unless central cancelled the row.
    leased: frozenset[str] = frozenset()
    # Columns that only grow (quantities received): a pull keeps the larger of the terminal's
    # and central's value, so progress central has not been pushed yet is not taken back.
    grows: frozenset[str] = frozenset()


WAREHOUSE, LOCATION, ITEM, PARTNER = Warehouse.__table__, Location.__table__, Item.__table__, Partner.__table__
PURCHASE_ORDER = PurchaseOrder.__table__
# In the order a terminal applies them: a row's references come before it.
TABLES: dict[str, Pulled] = {
    "warehouse": Pulled(WAREHOUSE, "code", {}),
    "location": Pulled(LOCATION, "code", {"parent_id": Reference(LOCATION, "code"), "warehouse_id": Reference(WAREHOUSE, "code")}),
    "item": Pulled(ITEM, "sku", {}),
    "item_barcode": Pulled(ItemBarcode.__table__, "barcode", {"item_id": Reference(ITEM, "sku")}),
    "partner": Pulled(PARTNER, "code", {}),
    "operator": Pulled(Operator.__table__, "code", {}, frozenset({"failed_attempts", "locked_until"})),
    "task": Pulled(
        Task.__table__, "uid",
        {"warehouse_id": Reference(WAREHOUSE, "code"), "location_id": Reference(LOCATION, "code"),
         "target_location_id": Reference(LOCATION, "code"), "item_id": Reference(ITEM, "sku")},
        # Lots travel with moves (by item and code); a task's document line is its order's.
        frozenset({"id", "lot_id", "document_line_id"}),
        frozenset({"state", "done_quantity", "assignee", "claimed_at", "done_at", "queue_position", "skip_count"}),
    ),
    "purchase_order": Pulled(PURCHASE_ORDER, "number", {"supplier_id": Reference(PARTNER, "code"), "warehouse_id": Reference(WAREHOUSE, "code")}),
    "purchase_order_line": Pulled(
        PurchaseOrderLine.__table__, "uid", {"order_id": Reference(PURCHASE_ORDER, "number", along=True), "item_id": Reference(ITEM, "sku")},
        grows=frozenset({"received_quantity"}),
    ),
}
_CHANGES = (
    select(ChangeLog.change_seq, ChangeLog.table_name, ChangeLog.row_key)
    .where(ChangeLog.warehouse_id == bindparam("scope"), ChangeLog.change_seq > bindparam("after"))
    .order_by(ChangeLog.change_seq)
    .limit(bindparam("limit"))
)


def _json(value):
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def _natural_keys(conn: Connection, reference: Reference, ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        statement = select(reference.table.c.id, reference.table.c[reference.key]).where(reference.table.c.id.in_(chunk))
        found.update(conn.execute(statement).all())
    return found


def _read(conn: Connection, spec: Pulled, keys: list[str]) -> list[dict]:
    key_column = spec.table.c[spec.key]
    typed = [uuid.UUID(hex=key) for key in keys] if isinstance(key_column.type, Uuid) else keys
    rows = [dict(row) for row in conn.execute(select(spec.table).where(key_column.in_(typed))).mappings()]
    for column, reference in spec.references.items():
        names = _natural_keys(conn, reference, {row[column] for row in rows if row[column] is not None})
        for row in rows:
            row[column] = None if row[column] is None else names[row[column]]
    return [{name: _json(value) for name, value in row.items() if name not in spec.local} for row in rows]


def changes_since(conn: Connection, scope: int, after: int, limit: int) -> tuple[int, int, dict[str, list[dict]]]:
    """The rows changed in a scope (0: master data; else a warehouse) after change `after`:
    (the last change number read, how many changes, rows by table)."""
    changes = conn.execute(_CHANGES, {"scope": scope, "after": after, "limit": limit}).all()
    if not changes:
        return after, 0, {}
    wanted: dict[str, list[str]] = {}
    for _, table, key in changes:
        wanted.setdefault(table, []).append(key)
    rows = {table: _read(conn, TABLES[table], keys) for table, keys in wanted.items() if table in TABLES}
    return changes[-1].change_seq, len(changes), _with_headers(conn, rows)


def _with_headers(conn: Connection, rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The page's rows, and the headers (`Reference.along`) of its lines that it lacks."""
    names = {spec.table.name: name for name, spec in TABLES.items()}
    for table, spec in TABLES.items():
        for column, reference in spec.references.items():
            if reference.along and rows.get(table):
                header = names[reference.table.name]
                present = {row[reference.key] for row in rows.get(header, [])}
                if missing := sorted({row[column] for row in rows[table] if row[column] is not None} - present):
                    rows.setdefault(header, []).extend(_read(conn, TABLES[header], missing))
    return rows


def _local_ids(conn: Connection, reference: Reference, keys: Iterable[str]) -> dict[str, int]:
    column = reference.table.c[reference.key]
    wanted = sorted(set(keys))
    return dict(conn.execute(select(column, reference.table.c.id).where(column.in_(wanted))).all()) if wanted else {}


def _python(column, value):
    if value is None:
        return None
    if isinstance(column.type, ScaledDecimal):
        return Decimal(value)
    if isinstance(column.type, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if isinstance(column.type, Uuid):
        return uuid.UUID(hex=value)
    return value


def _upsert(conn: Connection, spec: Pulled, rows: list[dict], terminal_id: str) -> None:
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(spec.table)
    columns = [c for c in spec.table.c if c.name not in spec.local]
    table, excluded = spec.table.c, insert.excluded
    if spec.leased:  # SET reads the row as it was: leased_to here is the terminal's copy's
        still_mine = (table.leased_to == terminal_id) & (excluded.leased_to == terminal_id) & (excluded.state != TaskState.CANCELLED.value)
    larger = func.max if conn.dialect.name == "sqlite" else func.greatest
    values = {c.name: case((still_mine, c), else_=excluded[c.name]) if c.name in spec.leased
              else larger(c, excluded[c.name]) if c.name in spec.grows else excluded[c.name]
              for c in columns if c.name != spec.key}
    statement = insert.on_conflict_do_update(index_elements=[table[spec.key]], set_=values)
    conn.execute(statement, [{c.name: _python(c, row.get(c.name)) for c in columns} for row in rows])


def _resolve(conn: Connection, table: str, spec: Pulled, chunk: list[dict], columns: Iterable[str]) -> None:
    for column in columns:
        reference = spec.references[column]
        keys = {row[column] for row in chunk if row.get(column) is not None}
        ids = _local_ids(conn, reference, keys)
        if missing := sorted(keys - ids.keys()):
            raise NotFound(f"pulled {table} refers to unknown {reference.table.name} {missing[0]}")
        for row in chunk:
            if row.get(column) is not None:
                row[column] = ids[row[column]]


def adopt_site_secrets(conn: Connection, secrets: dict[str, str]) -> None:
    """Take central's site keys (the badge key): the operators pulled with them carry badge
    hashes made with central's key. Operators created only on this terminal lose their badges."""
    table = SiteSecret.__table__
    insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
    rows = [{"name": str(name), "value": str(value)} for name, value in sorted(secrets.items())]
    if rows:
        conn.execute(insert.on_conflict_do_update(index_elements=[table.c.name], set_={"value": insert.excluded.value}), rows)


def apply_rows(conn: Connection, rows_by_table: dict[str, list[dict]], terminal_id: str) -> int:
    """Upsert pulled rows on terminal `terminal_id`, references resolved to its own ids; returns how many."""
    count = 0
    for table, spec in TABLES.items():
        rows = rows_by_table.get(table, [])
        for start in range(0, len(rows), 500):
            chunk = [dict(row) for row in rows[start : start + 500]]
            if "parent_id" in spec.references:
                # A parent may arrive in the same chunk as its children: every row first without
                # its parent (in this transaction), then again with it.
                orphans = [{**row, "parent_id": None} for row in chunk]
                _resolve(conn, table, spec, orphans, [c for c in spec.references if c != "parent_id"])
                _upsert(conn, spec, orphans, terminal_id)
            _resolve(conn, table, spec, chunk, spec.references)
            _upsert(conn, spec, chunk, terminal_id)
            count += len(chunk)
    return count

"""Documents a terminal creates, as they travel to the central database (push): read on the
terminal from its document outbox (the rows triggers recorded as created or changed) as
JSON-ready rows whose references are natural keys, and upserted centrally by their global id
(`uid`), so a row sent twice is the same row.

Core, table-driven like pulled_rows.TABLES: `PUSHED` says per table how each reference travels
and which column places the row in its warehouse (a terminal may only push into its own).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Table, Uuid, select
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.states import ContainerKind
from wms_tui.store.models import (
    Container,
    CountLine,
    CountSession,
    DocumentOutbox,
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Warehouse,
)
from wms_tui.store.pulled_rows import Reference, _json, _natural_keys, _python
from wms_tui.store.replication import _container_ids, _lot_ids, _rows_by_key

# References that are not one column of another table: a lot is [SKU, code, expiry or null]
# and a container [code, kind]; central creates the ones it does not know yet, as a pushed move
# would.
LOT, CONTAINER = "lot", "container"
OUTBOX = DocumentOutbox.__table__


@dataclass(frozen=True)
class Pushed:
    table: Table
    references: dict[str, Reference | str]  # a Reference, LOT or CONTAINER
    # The row's warehouse: its warehouse_id, or the reference to a pushed row that carries one.
    scope: str
    # Columns that are the terminal's own business (its ids; tasks a terminal made stay on it).
    local: frozenset[str] = frozenset({"id"})


WAREHOUSE, ITEM, LOCATION = Warehouse.__table__, Item.__table__, Location.__table__
RECEIPT, COUNT, RETURN = Receipt.__table__, CountSession.__table__, SalesReturn.__table__
_IN_WAREHOUSE = Reference(WAREHOUSE, "code")
# In the order central applies them: a row's parent comes before it.
PUSHED: dict[str, Pushed] = {
    "receipt": Pushed(RECEIPT, {"warehouse_id": _IN_WAREHOUSE, "purchase_order_id": Reference(PurchaseOrder.__table__, "number"),
                                "supplier_id": Reference(Partner.__table__, "code")}, "warehouse_id"),
    "receipt_line": Pushed(ReceiptLine.__table__, {
        "receipt_id": Reference(RECEIPT, "uid"), "purchase_order_line_id": Reference(PurchaseOrderLine.__table__, "uid"),
        "item_id": Reference(ITEM, "sku"), "lot_id": LOT, "container_id": CONTAINER, "location_id": Reference(LOCATION, "code"),
    }, "receipt_id"),
    "count_session": Pushed(COUNT, {"warehouse_id": _IN_WAREHOUSE}, "warehouse_id"),
    "count_line": Pushed(CountLine.__table__, {"session_id": Reference(COUNT, "uid"), "location_id": Reference(LOCATION, "code"),
                                               "item_id": Reference(ITEM, "sku"), "lot_id": LOT}, "session_id"),
    "sales_return": Pushed(RETURN, {"order_id": Reference(SalesOrder.__table__, "number"), "warehouse_id": _IN_WAREHOUSE},
                           "warehouse_id"),
    "sales_return_line": Pushed(SalesReturnLine.__table__, {
        "return_id": Reference(RETURN, "uid"), "order_line_id": Reference(SalesOrderLine.__table__, "uid"),
        "item_id": Reference(ITEM, "sku"), "lot_id": LOT,
    }, "return_id", frozenset({"id", "task_id"})),
}
LOTS, CONTAINERS = Lot.__table__, Container.__table__


# --- terminal: the outbox as wire rows ------------------------------------------------------------


def _lots(conn: Connection, ids: set[int]) -> dict[int, list]:
    rows = conn.execute(select(LOTS.c.id, ITEM.c.sku, LOTS.c.code, LOTS.c.expiry_date)
                        .join(ITEM, ITEM.c.id == LOTS.c.item_id).where(LOTS.c.id.in_(sorted(ids))))
    return {row.id: [row.sku, row.code, None if row.expiry_date is None else row.expiry_date.isoformat()] for row in rows}


def _containers(conn: Connection, ids: set[int]) -> dict[int, list]:
    rows = conn.execute(select(CONTAINERS.c.id, CONTAINERS.c.code, CONTAINERS.c.kind).where(CONTAINERS.c.id.in_(sorted(ids))))
    return {row.id: [row.code, str(row.kind)] for row in rows}


def _wire_rows(conn: Connection, spec: Pushed, uids: list[uuid.UUID]) -> list[dict]:
    rows = [dict(row) for row in conn.execute(select(spec.table).where(spec.table.c.uid.in_(uids))).mappings()]
    for column, reference in spec.references.items():
        ids = {row[column] for row in rows if row[column] is not None}
        names = (_lots(conn, ids) if reference == LOT else _containers(conn, ids) if reference == CONTAINER
                 else _natural_keys(conn, reference, ids))
        for row in rows:
            row[column] = None if row[column] is None else names[row[column]]
    return [{name: _json(value) for name, value in row.items() if name not in spec.local} for row in rows]


def outbox(conn: Connection, limit: int) -> tuple[int, dict[str, list[dict]]]:
    """Up to `limit` documents rows this terminal created or changed and central has not
    applied yet: (the last outbox entry read, wire rows by table, parents first)."""
    entries = conn.execute(select(OUTBOX.c.id, OUTBOX.c.table_name, OUTBOX.c.row_uid).order_by(OUTBOX.c.id).limit(limit)).all()
    if not entries:
        return 0, {}
    wanted: dict[str, list[uuid.UUID]] = {}
    for _, table, uid in entries:
        wanted.setdefault(table, []).append(uid)
    return entries[-1].id, {table: _wire_rows(conn, spec, wanted[table]) for table, spec in PUSHED.items() if table in wanted}


def acknowledge(conn: Connection, last: int) -> None:
    """Central applied the outbox up to entry `last`: a row changed since has a higher entry."""
    conn.execute(OUTBOX.delete().where(OUTBOX.c.id <= last))


# --- central: wire rows applied ---------------------------------------------------------------


def _wire_key(reference: Reference | str, value):
    """A reference's wire value as the key it is looked up by."""
    if reference == LOT:
        return value[0], value[1]
    if reference == CONTAINER:
        return value[0]
    return uuid.UUID(hex=value) if isinstance(reference.table.c[reference.key].type, Uuid) else value


def _ids(conn: Connection, table: str, reference: Reference | str, values: list, received_at: datetime) -> dict:
    """This database's ids of the wire values of one reference, by their keys."""
    if reference == LOT:
        wanted = {sku for sku, _, _ in values}
        items = dict(_rows_by_key(conn, (ITEM.c.sku, ITEM.c.id), ITEM.c.sku, wanted))
        if missing := sorted(wanted - items.keys()):
            raise NotFound(f"pushed {table} refers to unknown item {missing[0]}")
        lots = _lot_ids(conn, {(items[sku], code): None if expiry is None else date.fromisoformat(expiry)
                               for sku, code, expiry in values}, received_at)
        return {(sku, code): lots[(items[sku], code)] for sku, code, _ in values}
    if reference == CONTAINER:
        return _container_ids(conn, {code: ContainerKind(kind).value for code, kind in values}, received_at)
    keys = {_wire_key(reference, value) for value in values}
    column = reference.table.c[reference.key]
    found = dict(_rows_by_key(conn, (column, reference.table.c.id), column, keys))
    if missing := sorted(keys - found.keys(), key=str):
        raise NotFound(f"pushed {table} refers to unknown {reference.table.name} {missing[0]}")
    return found


def _resolve(conn: Connection, table: str, spec: Pushed, rows: list[dict], received_at: datetime) -> None:
    """Natural keys to this database's ids, in place; an unknown one refuses the batch."""
    for column, reference in spec.references.items():
        present = [row for row in rows if row.get(column) is not None]
        ids = _ids(conn, table, reference, [row[column] for row in present], received_at)
        for row in present:
            row[column] = ids[_wire_key(reference, row[column])]


def _check_scope(conn: Connection, table: str, spec: Pushed, rows: list[dict], warehouse_id: int) -> None:
    """Every row in the caller's warehouse: its own warehouse_id, or its parent's."""
    if spec.scope == "warehouse_id":
        elsewhere = {row["warehouse_id"] for row in rows} - {warehouse_id}
    else:
        parent = spec.references[spec.scope].table
        ids = {row[spec.scope] for row in rows}
        elsewhere = {w for _, w in _rows_by_key(conn, (parent.c.id, parent.c.warehouse_id), parent.c.id, ids)} - {warehouse_id}
    if elsewhere:
        raise InvalidInput(f"a pushed {table} belongs to another warehouse")


def _parsed(table: str, spec: Pushed, entries: object) -> list[dict]:
    if not isinstance(entries, list) or not all(isinstance(row, dict) for row in entries):
        raise InvalidInput(f"pushed {table} must be a list of rows")
    columns = [c for c in spec.table.c if c.name not in spec.local]
    try:
        return [{c.name: row.get(c.name) if c.name in spec.references else _python(c, row.get(c.name)) for c in columns}
                for row in entries]
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise InvalidInput(f"a pushed {table} row is malformed: {exc}") from None


def apply_documents(conn: Connection, documents: dict, warehouse_id: int, received_at: datetime) -> dict[str, list[int]]:
    """Upsert pushed rows by uid in the caller's transaction, references resolved to this
    database's ids; returns the ids of the rows that are new here, by table (what a resend
    brings again is not new)."""
    if unknown := sorted(set(documents) - PUSHED.keys()):
        raise InvalidInput(f"documents of {unknown[0]} are not pushed")
    new: dict[str, list[int]] = {}
    for table, spec in PUSHED.items():
        if not documents.get(table):
            continue
        rows = _parsed(table, spec, documents[table])
        if any(row["uid"] is None for row in rows):
            raise InvalidInput(f"a pushed {table} row has no uid")
        rows = list({row["uid"]: row for row in rows}.values())  # one upsert may touch a row once
        try:
            _resolve(conn, table, spec, rows, received_at)
        except (TypeError, ValueError, KeyError) as exc:
            raise InvalidInput(f"a pushed {table} row has a malformed reference: {exc}") from None
        uid, scope = spec.table.c.uid, spec.table.c[spec.scope]
        stored = _rows_by_key(conn, (uid, scope), uid, (row["uid"] for row in rows))
        # Neither the rows as sent nor the ones they would overwrite may be another warehouse's.
        _check_scope(conn, table, spec, rows + [{spec.scope: row[1]} for row in stored], warehouse_id)
        known = {row.uid for row in stored}
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(spec.table)
        changed = {name: insert.excluded[name] for name in rows[0] if name != "uid"}
        conn.execute(insert.on_conflict_do_update(index_elements=[uid], set_=changed), rows)
        fresh = [row["uid"] for row in rows if row["uid"] not in known]
        new[table] = [row.id for row in _rows_by_key(conn, (spec.table.c.id,), uid, fresh)]
    return new

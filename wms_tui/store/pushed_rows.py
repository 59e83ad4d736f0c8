"""Documents a terminal creates, as they travel to the central database (push): recorded in the
terminal's document_outbox by triggers (migrations 0017_sync_outbound_docs and
0018_sync_inbound_docs), read as JSON-ready rows whose references are natural keys, and
upserted centrally by their own natural key (a `uid`, a container's code), so a row sent twice
is the same row.

Core, table-driven like pulled_rows.TABLES: `PUSHED` says per table how each reference travels
and what places the row in its warehouse (a terminal may only push into its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.domain.errors import InvalidInput
from wms_tui.store.models import (
    Container,
    ContainerLine,
    CountLine,
    CountSession,
    DocumentOutbox,
    PickDiscrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShippingContainer,
    Task,
)
from wms_tui.store.pulled_rows import (
    CONTAINER,
    ITEM,
    LOCATION,
    LOT,
    PARTNER,
    SALES_ORDER,
    SALES_ORDER_LINE,
    WAREHOUSE,
    Reference,
    column_value,
    ids_of,
    typed_keys,
    wire_key,
    wire_keys,
    wire_value,
)
from wms_tui.store.replication import _rows_by_key


class Malformed(InvalidInput):
    """A pushed table or row central cannot read."""


class Elsewhere(InvalidInput):
    """A pushed row (or the central row it would overwrite) of another warehouse."""


@dataclass(frozen=True)
class Pushed:
    table: Table
    # The natural key: what the outbox names the row by (for a key column that is a reference,
    # the referenced row's natural key) and central upserts on.
    key: str
    references: dict[str, Reference | str]  # a Reference, LOT or CONTAINER
    # What places the row in its warehouse: its warehouse_id and the references to rows that
    # have one (directly, or a line through its order); each must be the caller's.
    scope: tuple[str, ...]
    # Columns that are the terminal's own business (its ids; tasks a terminal made stay on it).
    local: frozenset[str] = frozenset({"id"})
    # Central owns the row once it has it (a task, a location) or it records a fact that never
    # changes (a short pick): a row central holds is left as it is.
    created_only: bool = False


CONTAINERS, SHIPMENT = Container.__table__, Shipment.__table__
RECEIPT, COUNT, RETURN = Receipt.__table__, CountSession.__table__, SalesReturn.__table__
PURCHASE_ORDER, PURCHASE_ORDER_LINE = PurchaseOrder.__table__, PurchaseOrderLine.__table__
_IN_WAREHOUSE, _ORDER = Reference(WAREHOUSE, "code"), Reference(SALES_ORDER, "number")
_ORDER_LINE, _ITEM, _PLACE = Reference(SALES_ORDER_LINE, "uid"), Reference(ITEM, "sku"), Reference(LOCATION, "code")
TASK = Task.__table__
# In the order central applies them: a row's references come before it.
PUSHED: dict[str, Pushed] = {
    # A place the terminal made (its Returns location on first use); sent before its moves.
    "location": Pushed(LOCATION, "code", {"parent_id": _PLACE, "warehouse_id": _IN_WAREHOUSE}, ("warehouse_id",),
                       created_only=True),
    # A packing container (its place, the pallet it is nested on); a shared place (the
    # customers) belongs to no warehouse.
    "container": Pushed(CONTAINERS, "code", {"location_id": _PLACE, "parent_id": CONTAINER}, ("location_id",)),
    "shipment": Pushed(SHIPMENT, "uid", {"warehouse_id": _IN_WAREHOUSE, "order_id": _ORDER}, ("warehouse_id", "order_id")),
    # Keyed by its container: the container's code is its natural key.
    "shipping_container": Pushed(
        ShippingContainer.__table__, "container_id",
        {"container_id": Reference(CONTAINERS, "code"), "warehouse_id": _IN_WAREHOUSE, "order_id": _ORDER,
         "shipment_id": Reference(SHIPMENT, "uid")},
        ("warehouse_id", "order_id"), frozenset(),
    ),
    "container_line": Pushed(
        ContainerLine.__table__, "uid",
        {"container_id": Reference(CONTAINERS, "code"), "order_line_id": _ORDER_LINE, "item_id": _ITEM, "lot_id": LOT},
        ("order_line_id",),
    ),
    "receipt": Pushed(RECEIPT, "uid", {"warehouse_id": _IN_WAREHOUSE, "purchase_order_id": Reference(PURCHASE_ORDER, "number"),
                                       "supplier_id": Reference(PARTNER, "code")}, ("warehouse_id", "purchase_order_id")),
    "receipt_line": Pushed(ReceiptLine.__table__, "uid", {
        "receipt_id": Reference(RECEIPT, "uid"), "purchase_order_line_id": Reference(PURCHASE_ORDER_LINE, "uid"),
        "item_id": _ITEM, "lot_id": LOT, "container_id": CONTAINER, "location_id": _PLACE,
    }, ("receipt_id", "purchase_order_line_id")),
    "count_session": Pushed(COUNT, "uid", {"warehouse_id": _IN_WAREHOUSE}, ("warehouse_id",)),
    "count_line": Pushed(CountLine.__table__, "uid", {"session_id": Reference(COUNT, "uid"), "location_id": _PLACE,
                                                      "item_id": _ITEM, "lot_id": LOT}, ("session_id", "location_id")),
    "sales_return": Pushed(RETURN, "uid", {"order_id": _ORDER, "warehouse_id": _IN_WAREHOUSE}, ("warehouse_id", "order_id")),
    "sales_return_line": Pushed(SalesReturnLine.__table__, "uid", {
        "return_id": Reference(RETURN, "uid"), "order_line_id": _ORDER_LINE, "item_id": _ITEM, "lot_id": LOT,
    }, ("return_id", "order_line_id"), frozenset({"id", "task_id"})),
    # A task the terminal made for itself that others must know of (a pick's rest in a second
    # tote, a short pick's count): central leases it from then on.
    "task": Pushed(TASK, "uid", {
        "warehouse_id": _IN_WAREHOUSE, "location_id": _PLACE, "target_location_id": _PLACE, "item_id": _ITEM, "lot_id": LOT,
        "document_line_id": _ORDER_LINE,
    }, ("warehouse_id", "document_line_id"), frozenset({"id", "leased_to", "lease_until", "done_by"}), created_only=True),
    "pick_discrepancy": Pushed(PickDiscrepancy.__table__, "uid", {
        "task_id": Reference(TASK, "uid"), "order_line_id": _ORDER_LINE, "location_id": _PLACE, "item_id": _ITEM, "lot_id": LOT,
        "count_task_id": Reference(TASK, "uid"),
    }, ("order_line_id", "location_id"), created_only=True),
}
# Sent before the terminal's moves: its moves name them.
BEFORE_MOVES = ("location",)
OUTBOX = DocumentOutbox.__table__
# The warehouse of a referenced row that does not carry one itself: a line's is its order's.
_THROUGH_ORDER = {
    SALES_ORDER_LINE.name: select(SALES_ORDER_LINE.c.id, SALES_ORDER.c.warehouse_id)
    .join(SALES_ORDER, SALES_ORDER.c.id == SALES_ORDER_LINE.c.order_id),
    PURCHASE_ORDER_LINE.name: select(PURCHASE_ORDER_LINE.c.id, PURCHASE_ORDER.c.warehouse_id)
    .join(PURCHASE_ORDER, PURCHASE_ORDER.c.id == PURCHASE_ORDER_LINE.c.order_id),
}
_ENTRIES = select(OUTBOX.c.id, OUTBOX.c.table_name, OUTBOX.c.row_key).order_by(OUTBOX.c.id).limit(bindparam("limit"))


def _of_tables(statement, tables: tuple[str, ...] | None):
    return statement if tables is None else statement.where(OUTBOX.c.table_name.in_(tables))


# --- terminal: the outbox as wire rows ------------------------------------------------------------


def _wire_rows(conn: Connection, spec: Pushed, keys: list[str]) -> list[dict]:
    key = spec.table.c[spec.key]
    if spec.key in spec.references:  # the outbox names the row by its reference's natural key
        reference = spec.references[spec.key]
        typed = list(conn.execute(select(reference.table.c.id).where(reference.table.c[reference.key].in_(keys))).scalars())
    else:
        typed = typed_keys(key, keys)
    rows = [dict(row) for row in conn.execute(select(spec.table).where(key.in_(typed))).mappings()]
    for column, reference in spec.references.items():
        names = wire_keys(conn, reference, {row[column] for row in rows if row[column] is not None})
        for row in rows:
            row[column] = None if row[column] is None else names[row[column]]
    return [{name: wire_value(value) for name, value in row.items() if name not in spec.local} for row in rows]


_ANY_ENTRY = select(OUTBOX.c.id).limit(1)


def waiting(conn: Connection) -> bool:
    """Whether any document waits to be pushed."""
    return conn.execute(_ANY_ENTRY).first() is not None


def outbox(conn: Connection, limit: int, tables: tuple[str, ...] | None = None) -> tuple[int, dict[str, list[dict]]]:
    """Up to `limit` outbox entries (of `tables`, default all), as the rows they name are now:
    (the last entry read, wire rows by table, in PUSHED's order); (0, {}) when none wait."""
    entries = conn.execute(_of_tables(_ENTRIES, tables), {"limit": limit}).all()
    if not entries:
        return 0, {}
    wanted: dict[str, set[str]] = {}
    for _, table, key in entries:
        wanted.setdefault(table, set()).add(key)
    return entries[-1].id, {table: _wire_rows(conn, spec, sorted(wanted[table])) for table, spec in PUSHED.items() if table in wanted}


def acknowledge(conn: Connection, last: int, tables: tuple[str, ...] | None = None) -> None:
    """Central applied the outbox (of `tables`, default all) up to entry `last`: a row changed
    since has a higher entry."""
    conn.execute(_of_tables(OUTBOX.delete().where(OUTBOX.c.id <= last), tables))


# --- central: wire rows applied ---------------------------------------------------------------


def _resolve(conn: Connection, table: str, spec: Pushed, rows: list[dict], received_at: datetime) -> None:
    """Natural keys to this database's ids, in place; an unknown one refuses the batch."""
    try:
        for column, reference in spec.references.items():
            present = [row for row in rows if row.get(column) is not None]
            ids = ids_of(conn, table, reference, [row[column] for row in present], received_at)
            for row in present:
                row[column] = ids[wire_key(reference, row[column])]
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as exc:
        raise Malformed(f"a pushed {table} row has a malformed reference: {exc!r}") from None


def _warehouses(conn: Connection, table: Table, ids: set) -> set:
    statement = _THROUGH_ORDER[table.name] if table.name in _THROUGH_ORDER else select(table.c.id, table.c.warehouse_id)
    return {warehouse for _, warehouse in conn.execute(statement.where(statement.selected_columns[0].in_(sorted(ids))))}


def _check_scope(conn: Connection, table: str, spec: Pushed, rows: list[dict], warehouse_id: int) -> None:
    """Every row in the caller's warehouse, by each of its scope columns; a row in a place that
    belongs to no warehouse (a shared location) passes."""
    for column in spec.scope:
        ids = {row[column] for row in rows if row[column] is not None}
        warehouses = ids if column == "warehouse_id" else _warehouses(conn, spec.references[column].table, ids)
        if warehouses - {warehouse_id, None}:
            raise Elsewhere(f"a pushed {table} belongs to another warehouse")


def _parsed(table: str, spec: Pushed, entries: object) -> list[dict]:
    if not isinstance(entries, list) or not all(isinstance(row, dict) for row in entries):
        raise Malformed(f"pushed {table} must be a list of rows")
    columns = [c for c in spec.table.c if c.name not in spec.local]
    try:
        rows = [{c.name: row.get(c.name) if c.name in spec.references else column_value(c, row.get(c.name)) for c in columns}
                for row in entries]
    except (TypeError, ValueError, ArithmeticError, AttributeError) as exc:
        raise Malformed(f"a pushed {table} row is malformed: {exc}") from None
    if any(row[spec.key] is None for row in rows):
        raise Malformed(f"a pushed {table} row has no {spec.key}")
    return list({row[spec.key]: row for row in rows}.values())  # one upsert may touch a row once


def _number(conn: Connection, spec: Pushed, rows: list[dict], terminal_id: str) -> None:
    """A row central holds keeps the number central gave it; a new one whose number another
    terminal's row already has (both numbered a shipment of one order offline) gets the
    terminal's id after it."""
    number, key = spec.table.c.number, spec.table.c[spec.key]
    held = dict(_rows_by_key(conn, (key, number), key, (row[spec.key] for row in rows)))
    taken = {found for (found,) in _rows_by_key(conn, (number,), number, (row["number"] for row in rows))}
    for row in rows:
        if row[spec.key] in held:
            row["number"] = held[row[spec.key]]
        elif row["number"] in taken:
            row["number"] = f"{row['number']}/{terminal_id}"[:40]


def apply_documents(conn: Connection, documents: object, warehouse_id: int, terminal_id: str,
                    received_at: datetime) -> dict[str, list[int]]:
    """Upsert the rows a terminal pushed, in its transaction, references resolved to this
    database's ids; returns, by table, the ids of the rows new here (what a resend brings again
    is not new: what they record on central's documents is the caller's to apply)."""
    if not isinstance(documents, dict):
        raise Malformed("'rows' must be an object of rows by table")
    if unknown := sorted(set(documents) - PUSHED.keys(), key=str):
        raise Malformed(f"documents of {unknown[0]} are not pushed")
    new: dict[str, list[int]] = {}
    for table, spec in PUSHED.items():
        rows = _parsed(table, spec, documents.get(table, []))
        if not rows:
            continue
        _resolve(conn, table, spec, rows, received_at)
        key, scope = spec.table.c[spec.key], [spec.table.c[column] for column in spec.scope]
        stored = _rows_by_key(conn, (key, *scope), key, (row[spec.key] for row in rows))
        # Neither the rows as sent nor the ones they would overwrite may be another warehouse's.
        _check_scope(conn, table, spec, rows + [dict(row._mapping) for row in stored], warehouse_id)
        if "number" in spec.table.c:
            _number(conn, spec, rows, terminal_id)
        insert = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(spec.table)
        changed = {name: insert.excluded[name] for name in rows[0] if name != spec.key}
        conn.execute(insert.on_conflict_do_nothing(index_elements=[key]) if spec.created_only
                     else insert.on_conflict_do_update(index_elements=[key], set_=changed), rows)
        known = {row[0] for row in stored}
        if fresh := [row[spec.key] for row in rows if row[spec.key] not in known and "id" in spec.table.c]:
            new[table] = [row.id for row in _rows_by_key(conn, (spec.table.c.id,), key, fresh)]
    return new

"""Master data, orders (sales and purchase) and tasks as they travel from the central database to terminals: read by
the change log's keys and written as JSON-ready rows whose references are natural keys (a SKU, a
location code), then upserted on the terminal by their own natural key.

Core, in one module: the same few statements serve every pulled table, driven by `TABLES` (the
documents terminals push back are store/pushed_rows.PUSHED's).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    Table,
    Uuid,
    and_,
    case,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from wms_tui.domain.errors import NotFound
from wms_tui.domain.states import ContainerKind, TaskKind, TaskState
from wms_tui.store.ledger import LOOKUP_CHUNK
from wms_tui.store.models import (
    Container,
    ContainerLine,
    CountLine,
    CountSession,
    CustomerProfile,
    DocumentOutbox,
    Item,
    ItemBarcode,
    Location,
    Lot,
    Operator,
    Partner,
    PickDiscrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    Shipment,
    ShippingContainer,
    SiteSecret,
    Task,
    TaskDoneOutbox,
    Warehouse,
)
from wms_tui.store.replication import _container_ids, _lot_ids, _rows_by_key
from wms_tui.store.types import ScaledDecimal


@dataclass(frozen=True)
class Reference:
    """A foreign key sent as the referenced row's natural key."""

    table: Table
    key: str
    # Only for rows whose column (name, value) holds that value (a task's document line is an
    # order line's for a pick); other rows send null.
    when: tuple[str, str] | None = None
    # The referenced row (a document of the same warehouse: an order, a line) travels with this
    # one: its latest change may lie past the batch that carries this row.
    brings: bool = False


# Held: whether the terminal's copy of a row still holds progress central has not applied,
# given (the terminal's row, the pulled row, the terminal id).
Held = Callable[[Table, object, str], object]
# A pulled row that central deleted travels as its key and this marker.
DELETED = "_deleted"

# References that are not one column of another table: a lot travels as [SKU, code, expiry or
# null] and a container as [code, kind]; a database that does not know one yet creates it, as
# it does for a move that names it.
LOT, CONTAINER = "lot", "container"


@dataclass(frozen=True)
class Pulled:
    table: Table
    key: str  # the natural key: what the change log names and the terminal upserts on
    references: dict[str, Reference | str]  # a Reference, LOT or CONTAINER
    # Columns that are the terminal's own business (its id, local security state).
    local: frozenset[str] = frozenset({"id"})
    # Columns the terminal owns while `held` (its progress on a leased task, on an order line):
    # a pull keeps their values then.
    leased: frozenset[str] = frozenset()
    held: Held | None = None
    # Central deletes these rows (and logs the deletion): the terminal drops its copy.
    deletable: bool = False
    # Columns that only grow (quantities received): a pull keeps the larger of the terminal's
    # and central's value, so progress central has not been pushed yet is not taken back.
    grows: frozenset[str] = frozenset()


def _leased_here(table: Table, pulled, terminal_id: str):
    """A task still leased to this terminal, which central did not cancel (SET reads the row as
    it was: leased_to here is the terminal's copy's)."""
    return (table.c.leased_to == terminal_id) & (pulled.leased_to == terminal_id) & (pulled.state != TaskState.CANCELLED.value)


def _line_progress_unsent(table: Table, _pulled, terminal_id: str):
    """The terminal picked for the line (a task leased here under way, or its completion not yet
    pushed), short picked it or shipped its order (a short pick, a shipment not yet pushed):
    central's copy is behind."""
    tasks, completions, outbox, shipments = Task.__table__, TaskDoneOutbox.__table__, DocumentOutbox.__table__, Shipment.__table__
    shorts = PickDiscrepancy.__table__
    picking = select(tasks.c.document_line_id).where(
        tasks.c.kind == TaskKind.PICK.value,
        or_(and_(tasks.c.leased_to == terminal_id, tasks.c.state != TaskState.DONE.value, tasks.c.done_quantity > 0),
            tasks.c.uid.in_(select(completions.c.task_uid))),
    )
    shipping = select(shipments.c.order_id).join(outbox, and_(outbox.c.table_name == "shipment", outbox.c.row_key == shipments.c.uid))
    short = select(shorts.c.order_line_id).join(outbox, and_(outbox.c.table_name == "pick_discrepancy", outbox.c.row_key == shorts.c.uid))
    return table.c.id.in_(picking) | table.c.id.in_(short) | table.c.order_id.in_(shipping)


WAREHOUSE, LOCATION, ITEM, PARTNER = Warehouse.__table__, Location.__table__, Item.__table__, Partner.__table__
SALES_ORDER, SALES_ORDER_LINE = SalesOrder.__table__, SalesOrderLine.__table__
PURCHASE_ORDER = PurchaseOrder.__table__
LOTS, CONTAINERS, SHIPMENT = Lot.__table__, Container.__table__, Shipment.__table__
RECEIPT, COUNT, RETURN = Receipt.__table__, CountSession.__table__, SalesReturn.__table__


def _sent_from_here_unsent(table: Table, _pulled, _terminal_id: str):
    """A document this terminal changed whose change central has not had yet (its entry waits
    in the outbox): central's copy is behind."""
    outbox = DocumentOutbox.__table__
    waiting = select(outbox.c.row_key).where(outbox.c.table_name == table.name)
    if "uid" in table.c:
        return table.c.uid.in_(waiting)
    if table is CONTAINERS:
        return table.c.code.in_(waiting)
    return table.c.container_id.in_(select(CONTAINERS.c.id).where(CONTAINERS.c.code.in_(waiting)))


def _terminals_document(table: Table, key: str, references: dict[str, Reference | str],
                        local: frozenset[str] = frozenset({"id"})) -> Pulled:
    """A document terminals make and push (store/pushed_rows.PUSHED), pulled by the warehouse's
    other terminals; the terminal's own copy stands while its change waits to be pushed."""
    return Pulled(table, key, references, local, frozenset(c.name for c in table.c if c.name not in local | {key}),
                  _sent_from_here_unsent)


_ITEM, _PLACE, _IN_WAREHOUSE = Reference(ITEM, "sku"), Reference(LOCATION, "code"), Reference(WAREHOUSE, "code")
# In the order a terminal applies them: a row's references come before it.
TABLES: dict[str, Pulled] = {
    "warehouse": Pulled(WAREHOUSE, "code", {}),
    "location": Pulled(LOCATION, "code", {"parent_id": Reference(LOCATION, "code"), "warehouse_id": Reference(WAREHOUSE, "code")}),
    "item": Pulled(ITEM, "sku", {}),
    "item_barcode": Pulled(ItemBarcode.__table__, "barcode", {"item_id": Reference(ITEM, "sku")}),
    "partner": Pulled(PARTNER, "code", {}),
    # Keyed by its partner: the partner's code is its natural key.
    "customer_profile": Pulled(CustomerProfile.__table__, "partner_id", {"partner_id": Reference(PARTNER, "code")}, frozenset()),
    "operator": Pulled(Operator.__table__, "code", {}, frozenset({"failed_attempts", "locked_until"})),
    # Central owns orders, their lines and allocation; a terminal's picks and shipments move a
    # line's progress, kept on the terminal until central has applied them.
    "sales_order": Pulled(SALES_ORDER, "number", {"customer_id": Reference(PARTNER, "code"),
                                                  "warehouse_id": Reference(WAREHOUSE, "code")}),
    "sales_order_line": Pulled(
        SALES_ORDER_LINE, "uid", {"order_id": Reference(SALES_ORDER, "number", brings=True), "item_id": Reference(ITEM, "sku")},
        leased=frozenset({"picked_quantity", "shipped_quantity", "committed_quantity", "backordered_quantity", "cancelled_quantity"}),
        held=_line_progress_unsent,
    ),
    # The lot central allocated (FEFO) travels with a reservation and its task: the picker is
    # sent to that lot, and a terminal counts reserved units against it.
    "reservation": Pulled(
        Reservation.__table__, "uid",
        {"order_line_id": Reference(SALES_ORDER_LINE, "uid", brings=True), "item_id": Reference(ITEM, "sku"),
         "location_id": Reference(LOCATION, "code"), "lot_id": LOT},
        deletable=True,
    ),
    "task": Pulled(
        Task.__table__, "uid",
        {"warehouse_id": Reference(WAREHOUSE, "code"), "location_id": Reference(LOCATION, "code"),
         "target_location_id": Reference(LOCATION, "code"), "item_id": Reference(ITEM, "sku"), "lot_id": LOT,
         "document_line_id": Reference(SALES_ORDER_LINE, "uid", when=("kind", TaskKind.PICK.value), brings=True)},
        frozenset({"id"}),
        frozenset({"state", "quantity", "done_quantity", "assignee", "claimed_at", "done_at", "queue_position", "skip_count"}),
        _leased_here,
    ),
    "purchase_order": Pulled(PURCHASE_ORDER, "number", {"supplier_id": Reference(PARTNER, "code"), "warehouse_id": Reference(WAREHOUSE, "code")}),
    "purchase_order_line": Pulled(
        PurchaseOrderLine.__table__, "uid",
        {"order_id": Reference(PURCHASE_ORDER, "number", brings=True), "item_id": Reference(ITEM, "sku")},
        grows=frozenset({"received_quantity"}),
    ),
    # What the warehouse's terminals shipped, received, counted and took back. A packing
    # container's own row (its place, the pallet it is on) comes with its shipping state.
    "container": _terminals_document(CONTAINERS, "code", {"location_id": _PLACE, "parent_id": CONTAINER}),
    "shipment": _terminals_document(SHIPMENT, "uid", {"warehouse_id": _IN_WAREHOUSE,
                                                      "order_id": Reference(SALES_ORDER, "number", brings=True)}),
    "shipping_container": _terminals_document(ShippingContainer.__table__, "container_id", {
        "container_id": Reference(CONTAINERS, "code", brings=True), "warehouse_id": _IN_WAREHOUSE, "order_id": Reference(SALES_ORDER, "number", brings=True),
        "shipment_id": Reference(SHIPMENT, "uid", brings=True)}, frozenset()),
    "container_line": _terminals_document(ContainerLine.__table__, "uid", {
        "container_id": CONTAINER, "order_line_id": Reference(SALES_ORDER_LINE, "uid", brings=True), "item_id": _ITEM,
        "lot_id": LOT}),
    "receipt": _terminals_document(RECEIPT, "uid", {
        "warehouse_id": _IN_WAREHOUSE, "purchase_order_id": Reference(PURCHASE_ORDER, "number", brings=True),
        "supplier_id": Reference(PARTNER, "code")}),
    "receipt_line": _terminals_document(ReceiptLine.__table__, "uid", {
        "receipt_id": Reference(RECEIPT, "uid", brings=True), "purchase_order_line_id": Reference(PurchaseOrderLine.__table__, "uid", brings=True),
        "item_id": _ITEM, "lot_id": LOT, "container_id": CONTAINER, "location_id": _PLACE}),
    "count_session": _terminals_document(COUNT, "uid", {"warehouse_id": _IN_WAREHOUSE}),
    "count_line": _terminals_document(CountLine.__table__, "uid", {
        "session_id": Reference(COUNT, "uid", brings=True), "location_id": _PLACE, "item_id": _ITEM, "lot_id": LOT}),
    "sales_return": _terminals_document(RETURN, "uid", {"order_id": Reference(SALES_ORDER, "number", brings=True),
                                                        "warehouse_id": _IN_WAREHOUSE}),
    "sales_return_line": _terminals_document(SalesReturnLine.__table__, "uid", {
        "return_id": Reference(RETURN, "uid", brings=True), "order_line_id": Reference(SALES_ORDER_LINE, "uid", brings=True),
        "item_id": _ITEM, "lot_id": LOT},
        frozenset({"id", "task_id"})),
}
# A pull's change-log entries of master data (scope 0) and of its warehouse after its two
# cursors, and the warehouse's change counter, in one statement: a push asks for the news
# every time, and these were three round trips of the few a push makes.
_HEADS = text("""
    (SELECT 0 AS part, change_seq, table_name, row_key FROM change_log
     WHERE warehouse_id = 0 AND change_seq > :master_after ORDER BY change_seq LIMIT :limit)
    UNION ALL
    (SELECT 1, change_seq, table_name, row_key FROM change_log
     WHERE warehouse_id = :warehouse AND change_seq > :warehouse_after ORDER BY change_seq LIMIT :limit)
    UNION ALL
    SELECT 2, last_change, NULL, NULL FROM change_counter WHERE warehouse_id = :warehouse
""")


@dataclass(frozen=True)
class Heads:
    """What a pull reads first: the change-log entries (change number, table, key) after each
    of its cursors, and the warehouse's last change number (0 before any)."""

    master: list[tuple[int, str, str]]
    warehouse: list[tuple[int, str, str]]
    last_change: int


def heads(conn: Connection, warehouse_id: int, master_after: int, warehouse_after: int, limit: int) -> Heads:
    parts: tuple[list, list, list] = ([], [], [])
    for part, change_seq, table, key in conn.execute(_HEADS, {"warehouse": warehouse_id, "master_after": master_after,
                                                              "warehouse_after": warehouse_after, "limit": limit}):
        parts[part].append((change_seq, table, key))
    master, warehouse, counter = (sorted(part) for part in parts)  # UNION ALL promises no order
    return Heads(master, warehouse, counter[0][0] if counter else 0)


def wire_value(value):
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


def wire_keys(conn: Connection, reference: Reference | str, ids: set[int]) -> dict[int, object]:
    """The wire values of referenced rows, by their ids here."""
    if reference == LOT:
        rows = conn.execute(select(LOTS.c.id, ITEM.c.sku, LOTS.c.code, LOTS.c.expiry_date)
                            .join(ITEM, ITEM.c.id == LOTS.c.item_id).where(LOTS.c.id.in_(sorted(ids))))
        return {row.id: [row.sku, row.code, None if row.expiry_date is None else row.expiry_date.isoformat()] for row in rows}
    if reference == CONTAINER:
        rows = conn.execute(select(CONTAINERS.c.id, CONTAINERS.c.code, CONTAINERS.c.kind).where(CONTAINERS.c.id.in_(sorted(ids))))
        return {row.id: [row.code, str(row.kind)] for row in rows}
    return natural_keys(conn, reference, ids)


def wire_key(reference: Reference | str, value):
    """A reference's wire value as the key it is looked up by."""
    if reference == LOT:
        return value[0], value[1]
    if reference == CONTAINER:
        return value[0]
    return uuid.UUID(hex=value) if isinstance(reference.table.c[reference.key].type, Uuid) else value


def ids_of(conn: Connection, table: str, reference: Reference | str, values: list, received_at: datetime) -> dict:
    """This database's ids of the wire values of one reference of `table`'s rows, by their
    keys (wire_key); a lot or container not known yet is created."""
    if reference == LOT:
        wanted = {sku for sku, _, _ in values}
        items = dict(_rows_by_key(conn, (ITEM.c.sku, ITEM.c.id), ITEM.c.sku, wanted))
        if missing := sorted(wanted - items.keys()):
            raise NotFound(f"a {table} row refers to unknown item {missing[0]}")
        lots = _lot_ids(conn, {(items[sku], code): None if expiry is None else date.fromisoformat(expiry)
                               for sku, code, expiry in values}, received_at)
        return {(sku, code): lots[(items[sku], code)] for sku, code, _ in values}
    if reference == CONTAINER:
        return _container_ids(conn, {code: ContainerKind(kind).value for code, kind in values}, received_at)
    keys = {wire_key(reference, value) for value in values}
    column = reference.table.c[reference.key]
    found = dict(_rows_by_key(conn, (column, reference.table.c.id), column, keys))
    if missing := sorted(keys - found.keys(), key=str):
        raise NotFound(f"a {table} row refers to unknown {reference.table.name} {missing[0]}")
    return found


def natural_keys(conn: Connection, reference: Reference, ids: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        statement = select(reference.table.c.id, reference.table.c[reference.key]).where(reference.table.c.id.in_(chunk))
        found.update(conn.execute(statement).all())
    return found


def typed_keys(column, keys: list[str]) -> list:
    if isinstance(column.type, Uuid):
        return [uuid.UUID(hex=key) for key in keys]
    return [int(key) for key in keys] if isinstance(column.type, Integer) else keys


def read_rows(conn: Connection, spec: Pulled, keys: list[str]) -> list[dict]:
    """The rows of `keys` with their references as natural keys; a deletable row that is gone
    as its key and the DELETED marker."""
    key_column = spec.table.c[spec.key]
    typed = typed_keys(key_column, keys)
    rows = [dict(row) for row in conn.execute(select(spec.table).where(key_column.in_(typed))).mappings()]
    for column, reference in spec.references.items():
        if isinstance(reference, Reference) and reference.when is not None:
            name, value = reference.when
            for row in rows:
                if row[name] != value:
                    row[column] = None
        names = wire_keys(conn, reference, {row[column] for row in rows if row[column] is not None})
        for row in rows:
            row[column] = None if row[column] is None else names[row[column]]
    found = [{name: wire_value(value) for name, value in row.items() if name not in spec.local} for row in rows]
    if spec.deletable:
        gone = set(typed) - {row[spec.key] for row in rows}
        found += [{spec.key: wire_value(key), DELETED: True} for key in sorted(gone, key=str)]
    return found


def changed_rows(conn: Connection, changes: list[tuple[int, str, str]], after: int) -> tuple[int, int, dict[str, list[dict]]]:
    """The rows of a scope's change-log entries read after change `after` (heads'): (the last
    change number read, how many changes, rows by table)."""
    if not changes:
        return after, 0, {}
    wanted: dict[str, set[str]] = {}
    for _, table, key in changes:
        wanted.setdefault(table, set()).add(key)
    rows: dict[str, list[dict]] = {}
    for table in reversed(TABLES):  # a row's references come before it: read it first
        spec = TABLES[table]
        if keys := wanted.get(table):
            rows[table] = read_rows(conn, spec, sorted(keys))
            for column, reference in spec.references.items():
                if isinstance(reference, Reference) and reference.brings:
                    wanted.setdefault(reference.table.name, set()).update(row[column] for row in rows[table] if row.get(column))
    return changes[-1][0], len(changes), rows


def local_ids(conn: Connection, reference: Reference, keys: Iterable[str]) -> dict[str, int]:
    column = reference.table.c[reference.key]
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = conn.execute(select(column, reference.table.c.id).where(column.in_(typed_keys(column, wanted))))
    return {wire_value(key): row_id for key, row_id in found}


def column_value(column, value):
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
    if spec.leased:
        still_mine = spec.held(spec.table, excluded, terminal_id)
    larger = func.max if conn.dialect.name == "sqlite" else func.greatest
    values = {c.name: case((still_mine, c), else_=excluded[c.name]) if c.name in spec.leased
              else larger(c, excluded[c.name]) if c.name in spec.grows else excluded[c.name]
              for c in columns if c.name != spec.key}
    statement = insert.on_conflict_do_update(index_elements=[table[spec.key]], set_=values)
    conn.execute(statement, [{c.name: column_value(c, row.get(c.name)) for c in columns} for row in rows])


def _resolve(conn: Connection, table: str, spec: Pulled, chunk: list[dict], columns: Iterable[str]) -> None:
    for column in columns:
        reference = spec.references[column]
        if not isinstance(reference, Reference):  # a lot or container: created when not known yet
            present = [row for row in chunk if row.get(column) is not None]
            ids = ids_of(conn, table, reference, [row[column] for row in present], datetime.now(UTC))
            for row in present:
                row[column] = ids[wire_key(reference, row[column])]
            continue
        keys = {row[column] for row in chunk if row.get(column) is not None}
        ids = local_ids(conn, reference, keys)
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


def _delete(conn: Connection, spec: Pulled, rows: list[dict]) -> None:
    key = spec.table.c[spec.key]
    conn.execute(spec.table.delete().where(key.in_([column_value(key, row[spec.key]) for row in rows])))


def apply_rows(conn: Connection, rows_by_table: dict[str, list[dict]], terminal_id: str) -> int:
    """Upsert pulled rows on terminal `terminal_id`, references resolved to its own ids; returns how many."""
    if not any(rows_by_table.values()):
        return 0
    count = 0
    outbox = DocumentOutbox.__table__
    # What these writes record in the outbox is central's already: it is not sent back.
    recorded_before = conn.execute(select(func.coalesce(func.max(outbox.c.id), 0))).scalar_one()
    for table, spec in TABLES.items():
        rows = rows_by_table.get(table, [])
        if spec.deletable and (gone := [row for row in rows if row.get(DELETED)]):
            _delete(conn, spec, gone)
            rows = [row for row in rows if not row.get(DELETED)]
            count += len(gone)
        for start in range(0, len(rows), 500):
            chunk = [dict(row) for row in rows[start : start + 500]]
            if isinstance(spec.references.get("parent_id"), Reference):
                # A parent may arrive in the same chunk as its children: every row first without
                # its parent (in this transaction), then again with it. (A container's parent,
                # a CONTAINER, is created when unknown.)
                orphans = [{**row, "parent_id": None} for row in chunk]
                _resolve(conn, table, spec, orphans, [c for c in spec.references if c != "parent_id"])
                _upsert(conn, spec, orphans, terminal_id)
            _resolve(conn, table, spec, chunk, spec.references)
            _upsert(conn, spec, chunk, terminal_id)
            count += len(chunk)
    conn.execute(outbox.delete().where(outbox.c.id > recorded_before))
    return count

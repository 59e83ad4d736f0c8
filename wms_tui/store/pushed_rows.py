"""Documents a terminal creates as they travel to the central database: recorded in the
terminal's document_outbox by triggers (migration 0017_sync_outbound_docs), read as the same
JSON-ready rows as pulled ones (references as natural keys), upserted centrally by their
natural key: a batch sent twice changes nothing.

Table-driven like the pull: `PUSHED`, in the order central applies them (a row's references
come before it). A terminal owns these rows; central applies them as they are.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, delete, select

from wms_tui.store.models import (
    Container,
    ContainerLine,
    DocumentOutbox,
    Shipment,
    ShippingContainer,
)
from wms_tui.store.pulled_rows import (
    ITEM,
    LOCATION,
    SALES_ORDER,
    SALES_ORDER_LINE,
    WAREHOUSE,
    Pulled,
    Reference,
    apply_rows,
    local_ids,
    read_rows,
    typed_keys,
)

CONTAINER, SHIPMENT, OUTBOX = Container.__table__, Shipment.__table__, DocumentOutbox.__table__
PUSHED: dict[str, Pulled] = {
    "container": Pulled(CONTAINER, "code", {"location_id": Reference(LOCATION, "code"), "parent_id": Reference(CONTAINER, "code")}),
    "shipment": Pulled(SHIPMENT, "uid", {"warehouse_id": Reference(WAREHOUSE, "code"), "order_id": Reference(SALES_ORDER, "number")}),
    # Keyed by its container: the container's code is its natural key.
    "shipping_container": Pulled(
        ShippingContainer.__table__, "container_id",
        {"container_id": Reference(CONTAINER, "code"), "warehouse_id": Reference(WAREHOUSE, "code"),
         "order_id": Reference(SALES_ORDER, "number"), "shipment_id": Reference(SHIPMENT, "uid")},
        frozenset(),
    ),
    # Lots travel with moves (by item and code): a container line leaves its lot out.
    "container_line": Pulled(
        ContainerLine.__table__, "uid",
        {"container_id": Reference(CONTAINER, "code"), "order_line_id": Reference(SALES_ORDER_LINE, "uid"),
         "item_id": Reference(ITEM, "sku")},
        frozenset({"id", "lot_id"}),
    ),
}
_ENTRIES = select(OUTBOX.c.id, OUTBOX.c.table_name, OUTBOX.c.row_key).order_by(OUTBOX.c.id).limit(bindparam("limit"))


def outbox(conn: Connection, limit: int) -> tuple[int, dict[str, list[dict]]]:
    """The documents waiting for central, as they are now: (the last outbox entry read, rows by
    table); (0, {}) when none wait."""
    entries = conn.execute(_ENTRIES, {"limit": limit}).all()
    if not entries:
        return 0, {}
    wanted: dict[str, set[str]] = {}
    for _, table, key in entries:
        wanted.setdefault(table, set()).add(key)
    rows = {}
    for table, keys in wanted.items():
        spec = PUSHED[table]
        if spec.key in spec.references:  # the outbox names the row by its reference's natural key
            keys = [str(row_id) for row_id in local_ids(conn, spec.references[spec.key], keys).values()]
        rows[table] = read_rows(conn, spec, sorted(keys))
    return entries[-1].id, rows


def forget_sent(conn: Connection, last_entry: int) -> None:
    """Central has applied the outbox up to `last_entry`."""
    conn.execute(delete(OUTBOX).where(OUTBOX.c.id <= last_entry))


def _keys(spec: Pulled, rows: list[dict]) -> list:
    return typed_keys(spec.table.c[spec.key], [row[spec.key] for row in rows])


def _fresh(conn: Connection, spec: Pulled, rows: list[dict]) -> list[dict]:
    """The rows central does not hold yet (by their own key column)."""
    keys = _keys(spec, rows)
    known = set(conn.execute(select(spec.table.c[spec.key]).where(spec.table.c[spec.key].in_(keys))).scalars())
    return [row for row, key in zip(rows, keys, strict=True) if key not in known]


def _ids(conn: Connection, spec: Pulled, rows: list[dict]) -> list[int]:
    return list(conn.execute(select(spec.table.c.id).where(spec.table.c[spec.key].in_(_keys(spec, rows)))).scalars())


def apply_documents(conn: Connection, rows_by_table: dict[str, list[dict]], terminal_id: str) -> dict[str, list[int]]:
    """Upsert a terminal's documents centrally in its transaction; returns, by table, the ids of
    the rows central did not hold before (what they record, e.g. a shipment's shipped units,
    is still to be applied by the service's rules). A new row whose number another terminal's
    row already has (both numbered a shipment of one order offline) keeps its key and gets the
    terminal's id after its number, and keeps that number when it is sent again."""
    fresh: dict[str, list[dict]] = {}
    for table, rows in rows_by_table.items():
        spec = PUSHED[table]
        if spec.key not in spec.references and "id" in spec.table.c:
            fresh[table] = _fresh(conn, spec, rows)
        if "number" in spec.table.c and spec.key != "number":
            _number(conn, spec, rows, terminal_id)
    apply_rows(conn, rows_by_table, terminal_id, PUSHED)
    return {table: _ids(conn, PUSHED[table], rows) for table, rows in fresh.items() if rows}


def _number(conn: Connection, spec: Pulled, rows: list[dict], terminal_id: str) -> None:
    """A row central holds keeps the number central gave it; a new one whose number another
    terminal's row already has gets the terminal's id after it."""
    number, key, keys = spec.table.c.number, spec.table.c[spec.key], _keys(spec, rows)
    held = dict(conn.execute(select(key, number).where(key.in_(keys))).all())
    taken = set(conn.execute(select(number).where(number.in_([row["number"] for row in rows]))).scalars())
    for row, row_key in zip(rows, keys, strict=True):
        if row_key in held:
            row["number"] = held[row_key]
        elif row["number"] in taken:
            row["number"] = f"{row['number']}/{terminal_id}"[:40]

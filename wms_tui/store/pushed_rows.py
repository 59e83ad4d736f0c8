"""Documents a terminal creates as they travel to the central database: recorded in the
terminal's document_outbox by triggers (migration 0017_sync_outbound_docs), read as the same
JSON-ready rows as pulled ones (references as natural keys), upserted centrally by their
natural key: a batch sent twice changes nothing.

Table-driven like the pull: `PUSHED`, in the order central applies them (a row's references
come before it). A terminal owns these rows; central applies them as they are.
"""

from __future__ import annotations

import uuid

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


def apply_documents(conn: Connection, rows_by_table: dict[str, list[dict]], terminal_id: str) -> list[int]:
    """Upsert a terminal's documents centrally in its transaction; returns the ids of the
    shipments central did not hold before (their contents are still to be recorded as shipped).
    A shipment whose number another terminal's shipment already has (both shipped the order
    offline) keeps its uid and gets the terminal's id after its number."""
    shipments = rows_by_table.get("shipment", [])
    pushed = {row["uid"]: row for row in shipments}
    known = {uid.hex for uid in conn.execute(select(SHIPMENT.c.uid).where(SHIPMENT.c.uid.in_(_uuids(pushed)))).scalars()}
    fresh = [row for uid, row in pushed.items() if uid not in known]
    taken = set(conn.execute(select(SHIPMENT.c.number).where(SHIPMENT.c.number.in_([row["number"] for row in fresh]))).scalars())
    for row in fresh:
        if row["number"] in taken:
            row["number"] = f"{row['number']}/{terminal_id}"[:40]
    apply_rows(conn, rows_by_table, terminal_id, PUSHED)
    new_uids = _uuids({row["uid"] for row in fresh})
    return list(conn.execute(select(SHIPMENT.c.id).where(SHIPMENT.c.uid.in_(new_uids))).scalars()) if new_uids else []


def _uuids(hexes) -> list[uuid.UUID]:
    return [uuid.UUID(hex=value) for value in hexes]

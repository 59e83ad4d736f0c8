"""The central schema is ready to be partitioned by warehouse, and the sync role may only add
and read moves."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import ProgrammingError

from wms_tui.store.db import make_engine
from wms_tui.store.roles import Roles, apply_grants

pytestmark = pytest.mark.pg

# Shared by every warehouse, so not partitioned: copied whole to each shard (Citus "reference
# tables"). Each entry says why it is global.
GLOBAL = {
    "warehouse": "the partition key's own table",
    "item": "catalog: one SKU everywhere", "item_barcode": "catalog", "bom_line": "catalog: kit recipes",
    "lot": "catalog: a lot is an item's, wherever it lies", "partner": "customers and suppliers of the company",
    "customer_profile": "partner detail", "supplier_detail": "partner detail", "supplier_item": "partner detail",
    "operator": "people may work in any warehouse", "site_secret": "keys the whole site shares",
    "alembic_version": "schema bookkeeping", "change_counter": "keyed by scope (warehouse_id, 0 for master data)",
    "terminal_sequence": "keyed by terminal, and a terminal belongs to one warehouse (sync_terminal)",
    "terminal_lock": "keyed by terminal", "floor_session": "keyed by terminal",
    "held_step": "a person's pending step, kept for them whichever terminal they sign in on", "auth_event": "audit trail of people",
    "number_range": "keyed by terminal", "import_run": "imports span warehouses",
    "exception_resolution": "names its exception, which carries the warehouse",
    "sync_state": "a terminal's own sync position (terminal side)",
    "task_done_outbox": "a terminal's completions waiting to be pushed (terminal side)",
    "document_outbox": "a terminal's documents waiting to be pushed (terminal side)",
    "stock_balance": "keyed by location, which carries the warehouse; partitioned with its location",
    "container": "moves between warehouses with its goods (SSCC is global)",
}
# Document lines and children that reach their warehouse through their parent today: each must
# gain its own warehouse_id before the ledger is sharded. The list may only shrink.
THROUGH_PARENT = {
    "bin_capacity": "location", "putaway_rule": "location", "reorder_rule": "location", "count_line": "count_session",
    "sales_order_line": "sales_order", "reservation": "sales_order_line", "container_line": "sales_order_line",
    "invoice": "sales_order", "invoice_line": "invoice", "payment": "invoice", "credit_note": "sales_order",
    "sales_return_line": "sales_return", "purchase_order_line": "purchase_order",
    "receipt_line": "receipt", "buy_to_order_allocation": "purchase_order_line", "supplier_invoice": "purchase_order",
    "supplier_invoice_line": "supplier_invoice", "pick_discrepancy": "task", "transfer": "warehouse",
    "transfer_line": "transfer", "order_facts": "sales_order",
}


def test_every_central_table_with_warehouse_data_has_a_warehouse_key(central):
    inspector = inspect(central)
    unkeyed = []
    for table in inspector.get_table_names():
        columns = {column["name"] for column in inspector.get_columns(table)}
        if "warehouse_id" in columns or table in GLOBAL:
            continue
        parent = THROUGH_PARENT.get(table)
        referenced = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
        if parent is None or parent not in referenced:
            unkeyed.append(table)
    assert unkeyed == []
    assert not set(THROUGH_PARENT) & {t for t in inspector.get_table_names() if "warehouse_id" in {c["name"] for c in inspector.get_columns(t)}}


def test_the_sync_role_may_add_and_read_moves_only(central):
    with central.begin() as conn:
        apply_grants(conn, Roles())
    sync = make_engine(central.url.set(username="wms_sync").render_as_string(hide_password=False))
    try:
        with sync.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM stock_move")).scalar_one() == 0
            for statement in ("UPDATE stock_move SET operator = 'x'", "DELETE FROM stock_move", "TRUNCATE stock_move"):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.execute(text(statement))
                conn.rollback()
    finally:
        sync.dispose()

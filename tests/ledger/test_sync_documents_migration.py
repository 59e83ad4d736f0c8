"""Revision 0018_sync_inbound_docs gives the documents already there their global ids, on both
databases, and logs central's purchase orders so terminals pull them."""

from alembic import command
from sqlalchemy import text

from tests.factories import build_small_warehouse
from tests.sync.test_documents import central_po
from wms_tui.services.inbound import counting, receiving
from wms_tui.store import migrate
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.session import transaction

WITH_UID = ["purchase_order_line", "receipt", "receipt_line", "count_session", "count_line"]


def test_documents_already_there_get_their_uids(engine):
    site = build_small_warehouse(engine)
    Ledger(engine, PostingContext("T1", "op")).post([MoveRequest(site.widget.id, site.supplier.id, site.bin_a.id, 5)])
    number = central_po(engine, 10)
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, number)
        receiving.receive_scan(session, PostingContext("T1", "op"), receipt.number, "4006381333931", count=4)
        counting.plan_cycle_count(session, "WH1", ["WH1/STOCK/A-01-01"])
    with engine.begin() as conn:
        command.downgrade(migrate.alembic_config(conn), "0015_console_indexes")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        for table in WITH_UID:
            uids = conn.execute(text(f"SELECT uid FROM {table}")).scalars().all()
            assert uids and None not in uids and len(set(uids)) == len(uids), table
        if engine.dialect.name == "postgresql":
            logged = set(conn.execute(text("SELECT table_name, row_key FROM change_log WHERE warehouse_id > 0")).all())
            line = conn.execute(text("SELECT uid::text FROM purchase_order_line")).scalar_one()
            assert {("purchase_order", number), ("purchase_order_line", line)} <= logged

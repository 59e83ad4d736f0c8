"""Change numbers are taken when a writer commits: a writer of the warehouse whose transaction
stays open holds back no other writer, and a pull never passes a change that commits later."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from tests.sync.test_documents import central_po
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import SyncState

pytestmark = pytest.mark.pg

PO_CHANGE = text("SELECT change_seq FROM change_log WHERE table_name = 'purchase_order' AND row_key = :number")
PROVISIONAL = text("SELECT (SELECT count(*) FROM change_log WHERE change_seq < 0) + (SELECT count(*) FROM move_change WHERE change_seq < 0)"
                   " + (SELECT count(*) FROM change_due)")


def warehouse_cursor(terminal) -> int:
    with terminal.engine.connect() as conn:
        return conn.execute(text(f"SELECT warehouse_cursor FROM {SyncState.__tablename__}")).scalar_one()


def test_a_change_committed_late_is_numbered_after_what_others_pulled_meanwhile(central, service, terminals):
    """A console session changes a purchase order and keeps its transaction open. Meanwhile T1
    pushes moves (it does not wait for that session: before, the session held the warehouse's
    change counter until it ended) and T2 pulls them, its cursor past their numbers. The
    session's change, written first, is numbered when it commits, above that cursor: T2's next
    pull brings it. Nothing provisional is left behind."""
    number = central_po(central, 5)
    t1, t2 = terminals("T1"), terminals("T2")
    for terminal in (t1, t2):
        terminal.client(service.url).sync_once()
    t1.receive_and_pick(3, 1)
    with central.begin() as slow, ThreadPoolExecutor(1) as pool:
        slow.execute(text("UPDATE purchase_order SET number = number WHERE number = :number"), {"number": number})
        assert slow.execute(PO_CHANGE, {"number": number}).scalar_one() < 0  # provisional: seen by its own transaction only
        assert pool.submit(t1.client(service.url).push).result(timeout=60) == 2
        assert t2.client(service.url).pull() == (2, 0)
        cursor = warehouse_cursor(t2)
    with central.connect() as conn:
        assert conn.execute(PO_CHANGE, {"number": number}).scalar_one() > cursor
        assert conn.execute(PROVISIONAL).scalar_one() == 0
    assert t2.client(service.url).pull() == (0, 1)
    assert warehouse_cursor(t2) > cursor


def test_moves_numbered_before_the_commit_and_after_get_one_change_each(central):
    """SET CONSTRAINTS ALL IMMEDIATE numbers a transaction's changes before it ends; deferred
    again, the moves posted after that are numbered at the commit: each move has exactly one
    change, in posting order."""
    with central.connect() as conn:
        widget = conn.execute(text("SELECT id FROM item WHERE sku = 'W-1'")).scalar_one()
        supplier, bin_a = (conn.execute(text("SELECT id FROM location WHERE code = :code"), {"code": code}).scalar_one()
                           for code in ("SUPPLIERS", "WH1/STOCK/A-01-01"))
    context = PostingContext("CONSOLE", "tester")
    with central.begin() as conn:
        first = post_moves(conn, [MoveRequest(widget, supplier, bin_a, 1), MoveRequest(widget, supplier, bin_a, 2)], context)
        conn.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        numbered_early = conn.execute(text("SELECT count(*) FROM move_change WHERE change_seq > 0")).scalar_one()
        conn.execute(text("SET CONSTRAINTS ALL DEFERRED"))
        second = post_moves(conn, [MoveRequest(widget, supplier, bin_a, 3)], context)
    with central.connect() as conn:
        changes = conn.execute(text("SELECT move_id FROM move_change ORDER BY change_seq")).scalars().all()
        assert conn.execute(PROVISIONAL).scalar_one() == 0
    assert numbered_early == 2
    assert changes == [move.id for move in (*first, *second)]

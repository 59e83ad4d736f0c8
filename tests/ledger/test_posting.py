import threading
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.factories import build_small_warehouse
from wms_tui.domain.errors import LedgerRuleViolation, NotFound
from wms_tui.domain.reasons import MoveReason
from wms_tui.store import ledger as ledger_module
from wms_tui.store import queries
from wms_tui.store.ledger import (
    MOVE_COLUMNS,
    Ledger,
    MoveRequest,
    PostingContext,
    post_moves,
)
from wms_tui.store.models import StockMove
from wms_tui.store.uuids import new_uuid7s

CTX = PostingContext(terminal_id="T1", operator="alice")


def test_receipt_updates_balances_and_keeps_invariant(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    posted = ledger.post([
        MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "10", document_ref="PO-1", reason="receipt"),
        MoveRequest(wh.widget.id, wh.bin_a.id, wh.bin_b.id, Decimal("2.5")),
    ])
    assert [move.sequence for move in posted] == [1, 2]
    assert posted[0].id.version == 7
    assert posted[0].unit_cost == Decimal("2.50")  # the item's standard cost by default
    with engine.connect() as conn:
        assert queries.on_hand_at(conn, wh.widget.id, wh.bin_a.id) == Decimal("7.5")
        assert queries.on_hand_at(conn, wh.widget.id, wh.bin_b.id) == Decimal("2.5")
        assert queries.on_hand_at(conn, wh.widget.id, wh.supplier.id) == Decimal("-10")
        assert queries.item_balance_totals(conn) == {wh.widget.id: Decimal(0)}
        totals = queries.warehouse_quantities(conn, wh.widget.id, wh.warehouse_id)
        assert totals.on_hand == Decimal(10)
        assert totals.available == Decimal(10)


def test_a_read_the_driver_runs_fails_with_sqlalchemys_error(engine):
    # The one-row reads of a scan run on the driver's cursor (store.driver.DriverRead); their
    # callers catch SQLAlchemy's errors, as from any other read.
    wh = build_small_warehouse(engine)
    with engine.connect() as conn:
        conn.execute(text("ALTER TABLE stock_balance RENAME TO stock_balance_gone"))
        with pytest.raises(DBAPIError, match="stock_balance"):
            queries.on_hand_at(conn, wh.widget.id, wh.bin_a.id)


def test_a_batch_of_ids_are_uuid7_of_now_increasing_and_distinct():
    before = time.time_ns() // 1_000_000
    ids = new_uuid7s(1000)
    after = time.time_ns() // 1_000_000
    assert {(move_id.version, move_id.variant) for move_id in ids} == {(7, uuid.RFC_4122)}
    assert all(before <= move_id.int >> 80 <= after for move_id in ids)
    assert ids == sorted(ids) and len(set(ids + new_uuid7s(1000))) == 2000


def test_sequence_is_gap_free_per_terminal(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    other = Ledger(engine, PostingContext("T2", "bob"))
    ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1")])
    with pytest.raises(LedgerRuleViolation):
        ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "0")])
    other.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1")])
    ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1")] * 3)
    with engine.connect() as conn:
        rows = conn.execute(select(StockMove.terminal_id, StockMove.sequence).order_by(StockMove.terminal_id, StockMove.sequence)).all()
    assert [tuple(row) for row in rows] == [("T1", 1), ("T1", 2), ("T1", 3), ("T1", 4), ("T2", 1)]


def test_posting_writes_every_column_of_stock_move():
    assert sorted(MOVE_COLUMNS) == sorted(column.name for column in StockMove.__table__.columns)


def test_bins_taken_from_are_checked_across_returning_statements(engine, monkeypatch):
    # One balance row per statement: the negative bin is the second statement's.
    monkeypatch.setattr(ledger_module, "_BALANCE_ROWS_PER_STATEMENT", 1)
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    ledger.post([
        MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "5"),
        MoveRequest(wh.milk.id, wh.supplier.id, wh.bin_b.id, "5", lot_id=wh.milk_lot.id),
    ])
    with pytest.raises(LedgerRuleViolation, match=r"A-01-02 holds only 5 M-1 \(lot id \d+\): a move cannot take 6"):
        ledger.post([
            MoveRequest(wh.widget.id, wh.bin_a.id, wh.customer.id, "2"),
            MoveRequest(wh.milk.id, wh.bin_b.id, wh.customer.id, "6", lot_id=wh.milk_lot.id),
        ])
    ledger.post([
        MoveRequest(wh.widget.id, wh.bin_a.id, wh.customer.id, "2"),
        MoveRequest(wh.milk.id, wh.bin_b.id, wh.customer.id, "1", lot_id=wh.milk_lot.id),
    ])
    with engine.connect() as conn:
        assert queries.on_hand_at(conn, wh.widget.id, wh.bin_a.id) == Decimal(3)
        assert queries.on_hand_at(conn, wh.milk.id, wh.bin_b.id) == Decimal(4)
        assert queries.item_balance_totals(conn) == {wh.widget.id: Decimal(0), wh.milk.id: Decimal(0)}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"quantity": "0"}, "greater than zero"),
        ({"quantity": "-3"}, "greater than zero"),
        ({"quantity": 1.5}, "exact decimal"),
        ({"quantity": "1.0001"}, "decimal places"),
        ({"quantity": "5000000"}, "larger than"),
        ({"quantity": "ten"}, "not a number"),
        ({"quantity": "NaN"}, "finite"),
        ({"quantity": ["4"]}, "must be a number, got list"),
        ({"item_id": 99999}, "unknown item id 99999"),
        ({"to_location_id": 99999}, "unknown destination location id 99999"),
        ({"unit_cost": "-1"}, "cannot be negative"),
    ],
)
def test_invalid_move_is_refused_with_a_clear_error_and_changes_nothing(engine, change, message):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    good = dict(item_id=wh.widget.id, from_location_id=wh.supplier.id, to_location_id=wh.bin_a.id, quantity="4")
    with pytest.raises((LedgerRuleViolation, NotFound), match=message):
        ledger.post([MoveRequest(**good), MoveRequest(**{**good, **change})])
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == 0
        assert queries.item_balance_totals(conn) == {}


def test_rule_violations_name_the_problem(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    with pytest.raises(LedgerRuleViolation, match="source and destination are both WH1/STOCK/A-01-01"):
        ledger.post([MoveRequest(wh.widget.id, wh.bin_a.id, wh.bin_a.id, "1")])
    with pytest.raises(LedgerRuleViolation, match="M-1 is tracked by lot: a lot is required"):
        ledger.post([MoveRequest(wh.milk.id, wh.supplier.id, wh.bin_a.id, "1")])
    with pytest.raises(LedgerRuleViolation, match="view location"):
        ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.view.id, "1")])
    with pytest.raises(LedgerRuleViolation, match="belongs to another item"):
        ledger.post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1", lot_id=wh.milk_lot.id)])


def test_lot_tracked_move_and_reversal(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    [receipt] = ledger.post([MoveRequest(wh.milk.id, wh.supplier.id, wh.bin_a.id, "24", lot_id=wh.milk_lot.id)])
    [reversal] = ledger.reverse([receipt.id], reason=MoveReason.CORRECTION)
    assert (reversal.from_location_id, reversal.to_location_id) == (wh.bin_a.id, wh.supplier.id)
    assert reversal.lot_id == wh.milk_lot.id
    with engine.connect() as conn:
        assert queries.on_hand_at(conn, wh.milk.id, wh.bin_a.id) == 0
        assert conn.execute(select(func.count()).select_from(StockMove)).scalar_one() == 2
    with pytest.raises(LedgerRuleViolation, match="already reversed"):
        ledger.reverse([receipt.id], reason=MoveReason.CORRECTION)


@pytest.mark.parametrize("statement", ["UPDATE stock_move SET quantity = 1", "DELETE FROM stock_move"])
def test_database_refuses_to_change_a_posted_move(engine, statement):
    wh = build_small_warehouse(engine)
    Ledger(engine, CTX).post([MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "3")])
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(select(StockMove.quantity)).scalar_one() == Decimal(3)




def test_stock_by_location_lists_each_lot_on_both_databases(engine):
    wh = build_small_warehouse(engine)
    ledger = Ledger(engine, CTX)
    ledger.post([
        MoveRequest(wh.milk.id, wh.supplier.id, wh.bin_a.id, "24", lot_id=wh.milk_lot.id),
        MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_b.id, "5"),
    ])
    with engine.connect() as conn:
        rows = queries.stock_by_location(conn, wh.milk.id)
    assert [(row.location_code, row.lot_code, row.on_hand, row.available) for row in rows] == [
        ("WH1/STOCK/A-01-01", "L2409", Decimal(24), Decimal(24))
    ]


def test_first_posts_of_a_new_terminal_from_two_connections_both_land(engine):
    # Both find no counter for T9; the second waits for the first and numbers after it
    # (PostgreSQL used to fail it with an IntegrityError on terminal_sequence_pkey).
    wh = build_small_warehouse(engine)
    context = PostingContext("T9", "alice")
    move = MoveRequest(wh.widget.id, wh.supplier.id, wh.bin_a.id, "1")
    second: list = []
    with engine.connect() as first:
        with first.begin():
            post_moves(first, [move], context)
            racer = threading.Thread(target=lambda: second.extend(Ledger(engine, context).post([move])))
            racer.start()
            time.sleep(0.5)
        racer.join(timeout=60)
    assert [posted.sequence for posted in second] == [2]

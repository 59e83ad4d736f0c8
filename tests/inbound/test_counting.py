from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.inbound.support import CTX, assert_consistent, build_world, on_hand, stock_up
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import tasks
from wms_tui.services.inbound import counting
from wms_tui.store.models import CountLine, StockMove
from wms_tui.store.session import transaction


def _claim(engine, task_id):
    with transaction(engine) as session:
        tasks.claim_task(session, task_id, CTX.operator)


def test_blind_count_with_recount_and_movement_during_count(engine):
    world = build_world(engine)
    stock_up(engine, "W-1", world.bins[0], "20")
    stock_up(engine, "M-1", world.bins[0], "6", lot="L1", expiry=date(2027, 5, 1))
    with transaction(engine) as session:
        plan = counting.plan_cycle_count(session, "WH1", [world.bins[0]], recount_threshold="2")
    [task_id] = plan.task_ids
    _claim(engine, task_id)
    with transaction(engine) as session:
        sheet = counting.count_sheet(session, task_id)
    assert [(line.sku, line.lot_code) for line in sheet] == [("W-1", None), ("M-1", "L1")]
    assert not any(hasattr(line, "expected") or hasattr(line, "snapshot_quantity") for line in sheet)
    widget_line, milk_line = sheet

    # 3 widgets are received into the bin while the count runs: the counter finds 22.
    stock_up(engine, "W-1", world.bins[0], "3")
    with transaction(engine) as session:
        result = counting.record_count(session, CTX, task_id, widget_line.line_id, "22", reason="miscount")
    assert (result.state, result.variance, result.moved_during_count) == ("posted", Decimal(-1), Decimal(3))
    assert on_hand(engine, "W-1", world.bins[0]) == Decimal(22)
    assert on_hand(engine, "W-1", "INVENTORY-LOSS") == Decimal(1)

    # 10 milk counted where 6 are expected: above the threshold, counted again before posting.
    with transaction(engine) as session:
        first = counting.record_count(session, CTX, task_id, milk_line.line_id, "10", reason="found")
    assert (first.state, first.variance) == ("recount", None)
    assert on_hand(engine, "M-1", world.bins[0]) == Decimal(6)
    with transaction(engine) as session:
        assert tasks.get_task(session, task_id).state == "done"
        [recount] = tasks.open_queue(session, world.warehouse_id, tasks.TaskKind.COUNT)
    _claim(engine, recount.id)
    with transaction(engine) as session:
        [again] = counting.count_sheet(session, recount.id)
        second = counting.record_count(session, CTX, recount.id, again.line_id, "9", reason="found behind pallet")
    assert (second.state, second.variance) == ("posted", Decimal(3))
    assert on_hand(engine, "M-1", world.bins[0]) == Decimal(9)
    with engine.connect() as conn:
        reasons = set(conn.execute(select(StockMove.reason).where(StockMove.document_ref == plan.number)).scalars())
        why = set(conn.execute(select(CountLine.reason).where(CountLine.id.in_([widget_line.line_id, again.line_id]))).scalars())
    assert reasons == {MoveReason.CYCLE_COUNT}  # the moves carry the code, the count lines the person's words
    assert why == {"miscount", "found behind pallet"}
    assert_consistent(engine)


def test_count_errors_change_nothing(engine):
    world = build_world(engine)
    stock_up(engine, "W-1", world.bins[1], "5")
    with transaction(engine) as session:
        [task_id] = counting.plan_cycle_count(session, "WH1", [world.bins[1]], recount_threshold="5").task_ids
    _claim(engine, task_id)
    with transaction(engine) as session:
        [line] = counting.count_sheet(session, task_id)
    with pytest.raises(InvalidInput, match="cannot be negative"), transaction(engine) as session:
        counting.record_count(session, CTX, task_id, line.line_id, "-2", reason="x")
    with pytest.raises(InvalidInput, match="give a reason"), transaction(engine) as session:
        counting.record_count(session, CTX, task_id, line.line_id, "4")
    with pytest.raises(InvalidInput, match="not a storage location"), transaction(engine) as session:
        counting.plan_cycle_count(session, "WH1", ["SCRAP"])
    assert on_hand(engine, "W-1", world.bins[1]) == Decimal(5)
    with transaction(engine) as session:
        assert counting.record_count(session, CTX, task_id, line.line_id, "5").variance == Decimal(0)
        assert tasks.get_task(session, task_id).state == "done"
    assert_consistent(engine)


def test_scrap_with_reason(engine):
    world = build_world(engine)
    stock_up(engine, "M-1", world.bins[0], "8", lot="L9", expiry=date(2027, 1, 1))
    with pytest.raises(InvalidInput, match="needs a reason"), transaction(engine) as session:
        counting.scrap(session, CTX, "M-1", world.bins[0], "2", " ")
    with pytest.raises(InvalidInput, match="only 8 M-1 free"), transaction(engine) as session:
        counting.scrap(session, CTX, "M-1", world.bins[0], "9", "damaged")
    with transaction(engine) as session:
        counting.scrap(session, CTX, "M-1", world.bins[0], "2", "damaged", lot_code="L9")
    assert (on_hand(engine, "M-1", world.bins[0]), on_hand(engine, "M-1", "SCRAP")) == (Decimal(6), Decimal(2))
    with engine.connect() as conn:
        [scrapped] = conn.execute(select(StockMove.reason, StockMove.document_ref).where(StockMove.reason == MoveReason.SCRAP)).all()
    assert tuple(scrapped) == ("scrap", "SCRAP: damaged")
    assert_consistent(engine)


def test_count_finds_an_unlisted_item(engine):
    world = build_world(engine)
    stock_up(engine, "W-1", world.bins[2], "4")
    with transaction(engine) as session:
        [task_id] = counting.plan_cycle_count(session, "WH1", [world.bins[2]], recount_threshold="10").task_ids
    _claim(engine, task_id)
    with pytest.raises(InvalidInput, match="W-1 is already on the sheet"), transaction(engine) as session:
        counting.record_unlisted(session, CTX, task_id, "4006381333931", "4")
    with pytest.raises(InvalidInput, match="M-1 is lot-tracked"), transaction(engine) as session:
        counting.record_unlisted(session, CTX, task_id, "4000000000013", "1", reason="found")
    with transaction(engine) as session:
        found = counting.record_unlisted(session, CTX, task_id, "B-1", "2", reason="found on shelf")
    assert (found.sku, found.state, found.variance) == ("B-1", "posted", Decimal(2))
    assert on_hand(engine, "B-1", world.bins[2]) == Decimal(2)
    assert on_hand(engine, "B-1", "INVENTORY-LOSS") == Decimal(-2)
    assert_consistent(engine)

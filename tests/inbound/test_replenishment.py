from datetime import date
from decimal import Decimal

import pytest

from tests.inbound.support import (
    CTX,
    assert_consistent,
    barcode,
    build_world,
    on_hand,
    quantities_of,
    sales_order,
    stock_up,
)
from wms_tui.domain.errors import InvalidInput
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import purchasing, putaway, replenishment
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.store.session import transaction


def test_min_max_suggestion_numbers_and_one_action_purchase(engine):
    world = build_world(engine)
    with transaction(engine) as session:
        catalog.create_item(session, "N-1", "No supplier yet")
        replenishment.set_reorder_rule(session, "W-1", "WH1/STOCK", "20", "100")
        replenishment.set_reorder_rule(session, "M-1", "WH1", "5", "10", supplier_code="ACME")
        replenishment.set_reorder_rule(session, "N-1", "WH1", "1", "2")
    stock_up(engine, "W-1", world.bins[0], "30")
    sales_order(engine, "SO-1", world.warehouse_id, [("W-1", "12", "6")])
    with transaction(engine) as session:
        purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("W-1", "5")])
    # W-1: 30 - 12 = 18 not committed, on order 5, back ordered 6: position 17 < 20 -> order 100 - 17;
    # available to a new order is 30 - 12 - 6 = 12 (back orders are served first).
    with transaction(engine) as session:
        suggestions = {s.sku: s for s in replenishment.purchase_suggestions(session)}
    widget = suggestions["W-1"]
    assert (widget.available, widget.on_order, widget.back_ordered, widget.quantity, widget.supplier_code) == (
        Decimal(12), Decimal(5), Decimal(6), Decimal(83), "ACME"
    )
    assert (suggestions["M-1"].quantity, suggestions["N-1"].supplier_code) == (Decimal(10), None)
    figures = quantities_of(engine, "W-1")
    assert widget.available == figures.available and widget.on_order == figures.on_order

    with pytest.raises(InvalidInput, match="N-1 has no supplier"), transaction(engine) as session:
        replenishment.order_suggestions(session, list(suggestions.values()))
    with transaction(engine) as session:
        [order] = replenishment.order_suggestions(session, [suggestions["W-1"], suggestions["M-1"]])
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines] == [
        ("W-1", Decimal(83), Decimal("2.40")), ("M-1", Decimal(10), Decimal("0.80"))
    ]
    with transaction(engine) as session:
        assert {s.sku for s in replenishment.purchase_suggestions(session, "WH1")} == {"N-1"}
    assert_consistent(engine)


def test_reorder_rule_validation(engine):
    build_world(engine)
    with transaction(engine) as session:
        with pytest.raises(InvalidInput, match="maximum 5 is below minimum 10"):
            replenishment.set_reorder_rule(session, "W-1", "WH1/STOCK", "10", "5")
        with pytest.raises(InvalidInput, match="cannot be negative"):
            replenishment.set_reorder_rule(session, "W-1", "WH1/STOCK", "-1", "5")
        with pytest.raises(InvalidInput, match="not a warehouse location"):
            replenishment.set_reorder_rule(session, "W-1", "SUPPLIERS", "1", "5")
        with pytest.raises(InvalidInput, match="WH1 is not a bin"):
            replenishment.set_reorder_rule(session, "W-1", "WH1", "1", "5", kind="pick_face")
        assert replenishment.purchase_suggestions(session) == []
    assert_consistent(engine)


def test_pick_face_refill_from_reserve(engine):
    world = build_world(engine, bins=4)
    face, reserve_early, reserve_late = world.bins[0], world.bins[2], world.bins[3]
    with transaction(engine) as session:
        replenishment.set_reorder_rule(session, "M-1", face, "4", "12", kind="pick_face")
    stock_up(engine, "M-1", face, "3", lot="L-A", expiry=date(2027, 1, 1))
    stock_up(engine, "M-1", reserve_late, "20", lot="L-LATE", expiry=date(2027, 9, 1))
    stock_up(engine, "M-1", reserve_early, "5", lot="L-EARLY", expiry=date(2027, 2, 1))
    with transaction(engine) as session:
        refills = replenishment.plan_pick_face_refills(session, "WH1")
    assert [(r.from_code, r.to_code, r.quantity) for r in refills] == [(reserve_early, face, Decimal(5)), (reserve_late, face, Decimal(4))]
    with transaction(engine) as session:
        assert replenishment.plan_pick_face_refills(session, "WH1") == []  # already queued
    for refill in refills:
        with transaction(engine) as session:
            tasks.claim_task(session, refill.task_id, CTX.operator)
            with pytest.raises(InvalidInput, match=f"goes to pick face {face}"):
                putaway.complete_move_task(session, CTX, refill.task_id, barcode(session, world.bins[1]))
        with transaction(engine) as session:
            putaway.complete_move_task(session, CTX, refill.task_id, barcode(session, face))
    assert on_hand(engine, "M-1", face) == Decimal(12)
    assert on_hand(engine, "M-1", reserve_late) == Decimal(16)
    assert_consistent(engine)

from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.outbound.helpers import CTX, build_shop, check_books
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import OrderState, ShortPickOutcome
from wms_tui.services import tasks
from wms_tui.services.backorders import release_waiting
from wms_tui.services.outbound import allocation, invoicing, orders, packing, picking, shipping
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders
from wms_tui.store.models import PickDiscrepancy, SalesOrderLine, StockMove
from wms_tui.store.session import transaction

EAN = "4006381333931"
D = Decimal


@pytest.mark.parametrize(
    "policy, state, widget, held",
    [
        ("backorder_rest", OrderState.CONFIRMED, (D(6), D(4), D(0)), False),
        ("cancel_rest", OrderState.CONFIRMED, (D(6), D(0), D(4)), False),
        ("ship_complete", OrderState.CONFIRMED, (D(6), D(4), D(0)), True),
        ("ship_nothing", OrderState.CANCELLED, (D(0), D(0), D(10)), False),
        ("backorder_all", OrderState.CONFIRMED, (D(0), D(10), D(0)), True),
    ],
)
def test_each_backorder_policy_on_confirm_and_on_arrival(engine, policy, state, widget, held):
    shop = build_shop(engine, steps=2, policy="backorder_rest")
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "6")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "10", "1")], number="SO-1", policy=policy)
        result = orders.confirm_order(session, "SO-1")
        assert result.state is state
        [line] = result.lines
        assert (line.committed, line.backordered, line.cancelled) == widget
        if state is OrderState.CONFIRMED:
            outcome = allocation.allocate(session, ["SO-1"])
            assert (outcome.held_orders == ["SO-1"]) is held
            assert bool(outcome.task_ids) is not held
    check_books(engine)
    if widget[1]:
        shop.receive(shop.wh.widget.id, shop.wh.bin_b.id, "10")
        with transaction(engine) as session:
            release_waiting(session, shop.wh.warehouse_id, [shop.wh.widget.id])
            line = session.exec(select(SalesOrderLine)).one()
            assert (line.committed_quantity, line.backordered_quantity) == (D(10), D(0))
            outcome = allocation.allocate(session, ["SO-1"])
            assert outcome.held_orders == [] and outcome.reserved_quantity == D(10) - (D(0) if held else widget[0])
        check_books(engine)


def test_older_back_orders_are_served_before_a_new_order(engine):
    shop = build_shop(engine, steps=2)
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "4")], number="SO-OLD")
        orders.confirm_order(session, "SO-OLD")
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "5")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "3")], number="SO-NEW")
        [line] = orders.confirm_order(session, "SO-NEW").lines
        assert (line.committed, line.backordered) == (D(1), D(2))
    check_books(engine)


@pytest.mark.parametrize("policy, outcome", [("backorder_rest", ShortPickOutcome.BACKORDER), ("cancel_rest", ShortPickOutcome.CANCEL_LINE),
                                              ("ship_nothing", ShortPickOutcome.CANCEL_ORDER)])
def test_short_pick_applies_the_policy_records_it_and_queues_a_count(engine, policy, outcome):
    shop = build_shop(engine, steps=2)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "5")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "5")], number="SO-1", policy=policy)
        orders.confirm_order(session, "SO-1")
        [task_id] = allocation.allocate(session, ["SO-1"]).task_ids
        tasks.claim_task(session, task_id, "alice")
        picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN, packages="2")
        result = picking.short_pick(session, CTX, task_id, reason="not_found")
        assert (result.short, result.outcome) == (D(3), outcome)
        [discrepancy] = session.exec(select(PickDiscrepancy)).all()
        assert (discrepancy.expected_quantity, discrepancy.picked_quantity, discrepancy.reason_code) == (D(5), D(2), "not_found")
        count = tasks.get_task(session, result.count_task_id)
        assert (count.kind, count.location_id, count.state) == ("count", shop.wh.bin_a.id, "open")
        line = session.exec(select(SalesOrderLine)).one()
        expected = {
            ShortPickOutcome.BACKORDER: (D(2), D(3), D(0)),
            ShortPickOutcome.CANCEL_LINE: (D(2), D(0), D(3)),
            ShortPickOutcome.CANCEL_ORDER: (D(0), D(0), D(5)),
        }[outcome]
        assert (line.committed_quantity, line.backordered_quantity, line.cancelled_quantity) == expected
        if outcome is ShortPickOutcome.CANCEL_ORDER:
            assert finders.sales_order_by_number(session, "SO-1").state == OrderState.CANCELLED
        else:
            # The bin is in doubt until counted: nothing more is allocated from it.
            assert allocation.allocate(session, ["SO-1"]).task_ids == []
    check_books(engine)


def test_picker_may_take_another_valid_bin_but_not_a_wrong_one(engine):
    shop = build_shop(engine, steps=2)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "4")
    shop.receive(shop.wh.widget.id, shop.wh.bin_b.id, "2")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "4")], number="SO-1")
        orders.confirm_order(session, "SO-1")
        [task_id] = allocation.allocate(session, ["SO-1"]).task_ids
        tasks.claim_task(session, task_id, "alice")
    with transaction(engine) as session:
        with pytest.raises(InvalidInput, match="wrong location WH1/OUTPUT"):
            picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode("WH1/OUTPUT"), item_scan=EAN)
        with pytest.raises(InvalidInput, match="has only 2 W-1 free"):
            picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_b.code), item_scan=EAN, packages="3")
        with pytest.raises(InvalidInput, match="wrong check digit"):
            picking.confirm_pick(session, CTX, task_id, location_scan=shop.wh.bin_a.code + ".00", item_scan=EAN)
        picked = picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_b.code), item_scan=EAN, packages="2")
        assert (picked.location_code, picked.remaining) == (shop.wh.bin_b.code, D(2))
        with pytest.raises(InvalidInput, match="over-pick: 12 W-1 scanned, only 2 left"):
            picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan="14006381333938")
        assert picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN, packages="2").task_done
    check_books(engine)


def test_cluster_batch_walks_the_pick_path_across_orders(engine):
    shop = build_shop(engine, steps=2)
    # bin B's stock is older: FIFO takes it first, the walk still visits A before B.
    shop.receive(shop.wh.widget.id, shop.wh.bin_b.id, "3")
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "3")
    with transaction(engine) as session:
        for number, quantity in (("SO-1", "4"), ("SO-2", "2")):
            orders.create_order(session, "C1", "WH1", [LineInput("W-1", quantity)], number=number)
        orders.confirm_orders(session, ["SO-1", "SO-2"])
        allocation.allocate(session, ["SO-1", "SO-2"])
        with pytest.raises(InvalidInput, match="2 orders need 2 distinct totes"):
            allocation.batch_orders(session, ["SO-1", "SO-2"], ["T1"], "WAVE-1")
        batch = allocation.batch_orders(session, ["SO-1", "SO-2"], ["T1", "T2"], "WAVE-1")
        assert [(t.location_id, t.document_ref, t.tote) for t in batch] == [
            (shop.wh.bin_a.id, "SO-1", "T1"), (shop.wh.bin_a.id, "SO-2", "T2"), (shop.wh.bin_b.id, "SO-1", "T1")]
        first = tasks.claim_next(session, "alice", shop.wh.warehouse_id, batch_ref="WAVE-1")
        assert first.id == batch[0].id
        with pytest.raises(InvalidInput, match="wrong tote T2"):
            picking.confirm_pick(session, CTX, first.id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN, tote="T2")
        rows = allocation.pick_list(session, batch_ref="WAVE-1").rows
        assert [row.order_number for row in rows] == ["SO-1", "SO-2", "SO-1"] and not hasattr(rows[0], "unit_price")
    check_books(engine)


def _counts(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(StockMove)).scalar_one(), conn.execute(
            select(func.sum(SalesOrderLine.committed_quantity))).scalar_one()


def test_bad_input_is_refused_clearly_and_changes_nothing(engine):
    shop = build_shop(engine, steps=2)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "5")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "3", "1")], number="SO-1")
        orders.confirm_order(session, "SO-1")
        [task_id] = allocation.allocate(session, ["SO-1"]).task_ids
        tasks.claim_task(session, task_id, "alice")
    before = _counts(engine)
    cases = [
        (NotFound, "no customer 'NOPE'", lambda s: orders.create_order(s, "NOPE", "WH1", [LineInput("W-1", "1")])),
        (NotFound, "no item with SKU 'X-9'", lambda s: orders.create_order(s, "C1", "WH1", [LineInput("X-9", "1")])),
        (InvalidInput, "greater than zero", lambda s: orders.create_order(s, "C1", "WH1", [LineInput("W-1", "0")])),
        (InvalidInput, "greater than zero", lambda s: orders.create_order(s, "C1", "WH1", [LineInput("W-1", "-2")])),
        (InvalidInput, "cannot be negative", lambda s: orders.create_order(s, "C1", "WH1", [LineInput("W-1", "1", "-1")])),
        (InvalidInput, "wrong location", lambda s: picking.confirm_pick(
            s, CTX, task_id, location_scan=location_barcode(shop.wh.bin_b.code), item_scan=EAN)),
        (InvalidInput, "over-pick", lambda s: picking.confirm_pick(
            s, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN, packages="4")),
        (InvalidInput, "nothing shipped to invoice", lambda s: invoicing.invoice_order(s, "SO-1")),
        (tasks.TaskConflict, "claimed by alice, not bob", lambda s: picking.confirm_pick(
            s, type(CTX)("T2", "bob"), task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN)),
    ]
    for error, message, action in cases:
        with pytest.raises(error, match=message):
            with transaction(engine) as session:
                action(session)
        assert _counts(engine) == before
    with transaction(engine) as session:
        picking.confirm_pick(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code), item_scan=EAN, packages="3")
        box = packing.open_container(session, CTX, "SO-1").code
        packing.pack(session, CTX, box, item_scan=EAN, packages="3")
    before = _counts(engine)
    with pytest.raises(InvalidInput, match="is still open: close and weigh it before shipping"):
        with transaction(engine) as session:
            shipping.ship(session, CTX, "SO-1", [box], carrier="UPS")
    assert _counts(engine) == before
    with transaction(engine) as session:
        packing.close_container(session, box, weight_kg="1")
        shipping.ship(session, CTX, "SO-1", [box], carrier="UPS")
        invoicing.invoice_order(session, "SO-1")
    with pytest.raises(InvalidInput, match="already invoiced"):
        with transaction(engine) as session:
            invoicing.invoice_order(session, "SO-1")
    check_books(engine)


def test_an_orders_own_policy_set_after_entry_decides_its_confirmation(engine):
    shop = build_shop(engine, steps=2, policy="backorder_rest")
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "6")
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "10", "1")], number="SO-1")
        assert orders.set_policy(session, "SO-1", "cancel_rest").backorder_policy == "cancel_rest"
        [line] = orders.confirm_order(session, "SO-1").lines
        assert (line.committed, line.backordered, line.cancelled) == (D(6), D(0), D(4))
        assert orders.set_policy(session, "SO-1", "").backorder_policy is None  # the customer's again
        with pytest.raises(InvalidInput, match="back-order policy must be one of"):
            orders.set_policy(session, "SO-1", "whenever")
        orders.create_order(session, "C1", "WH1", [LineInput("W-1", "1", "1")], number="SO-2")
        orders.cancel_order(session, "SO-2")
        with pytest.raises(InvalidInput, match="SO-2 is cancelled: its back-order policy no longer matters"):
            orders.set_policy(session, "SO-2", "ship_complete")

"""Issue 12, one scenario per rule, written from the references (002 sales order workflow, 003
order processing and back orders, 004 buy to order), on SQLite and PostgreSQL. Each ends with
the books recomputed from the moves and the documents (world.check_books)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.rules.world import CTX, TODAY, D, World, build_world, check_books
from wms_tui.domain.errors import InvalidInput, LedgerRuleViolation
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import (
    BackorderPolicy,
    DerivedStatus,
    LineProgress,
    OrderState,
    OrderStatus,
    derive_status,
)
from wms_tui.domain.states import StockExceptionState, TaskKind
from wms_tui.services import catalog, lookup, stock_exceptions, tasks
from wms_tui.services.inbound import (
    buy_to_order,
    counting,
    kits,
    purchasing,
    putaway,
    receiving,
    transfers,
)
from wms_tui.services.outbound import invoicing, orders, picking, returns
from wms_tui.store import finders
from wms_tui.store.ledger import Ledger, MoveRequest
from wms_tui.store.models import Reservation, StockMove, Task
from wms_tui.store.session import transaction

A = BackorderPolicy.BACKORDER_REST
E = BackorderPolicy.BACKORDER_ALL


def _return(world: World, number: str, sku: str, quantity: str, condition: str, lot: str | None = None) -> int:
    with transaction(world.engine) as session:
        document = returns.receive_return(session, CTX, number, [returns.ReturnInput(sku, quantity, condition, lot)])
        [line_id] = session.exec(select(returns.SalesReturnLine.id).where(returns.SalesReturnLine.return_id == document.id)).all()
        return line_id


def _restock(world: World, return_line_id: int, bin_code: str) -> None:
    with transaction(world.engine) as session:
        task_id = returns.restock(session, return_line_id, bin_code)
        tasks.claim_task(session, task_id, CTX.operator)
        returns.confirm_restock(session, CTX, task_id, location_scan=location_barcode(bin_code), today=TODAY)


def _committed_and_waiting(world: World, number: str, sku: str) -> tuple[Decimal, Decimal]:
    line = world.line(number, sku)
    return line.committed_quantity, line.backordered_quantity


# --- 2. cross-dock: goods for a waiting back order flow on like picked ones ---------------------------


@pytest.mark.parametrize("delivery_steps", [1, 2, 3])
def test_cross_docked_units_flow_on_to_pack_and_ship(engine, delivery_steps):
    world = build_world(engine, receipt_steps=2, delivery_steps=delivery_steps)
    world.order("SO-1", A, [("W-1", "5")])
    assert _committed_and_waiting(world, "SO-1", "W-1") == (0, 5)
    # 003: "when goods come in fill back order first"; the receiver is offered the cross-dock.
    scan = world.receive("W-1", "8")
    [proposal] = scan.cross_dock
    assert (proposal.order_number, proposal.quantity, proposal.from_code) == ("SO-1", D(5), "WH1/INPUT")
    with transaction(engine) as session:
        receiving.accept_cross_dock(session, CTX, proposal)
    check_books(engine)
    line = world.line("SO-1", "W-1")
    assert line.picked_quantity == 5 and world.pick_tasks("SO-1") == []
    if delivery_steps > 1:
        assert world.pack_and_ship("SO-1").units == 5
    assert world.line("SO-1", "W-1").shipped_quantity == 5
    with transaction(engine) as session:
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.FULFILLED)
    assert world.on_hand("W-1", "WH1/INPUT") == 3
    check_books(engine)


# --- 3. non-stock buy-to-order receipts are pinned to their order, then picked ----------------------


def test_buy_to_order_receipt_is_reserved_for_its_order_then_picked(engine):
    world = build_world(engine, receipt_steps=2)
    world.order("SO-1", A, [("B-1", "5")])
    with transaction(engine) as session:
        [po] = buy_to_order.order_requirements(session, "SO-1")
        receipt = receiving.start_receipt(session, po.number)
        scan = receiving.receive_scan(session, CTX, receipt.number, "B-1", count="5", today=TODAY)
    # 004: "the received inventory is allocated to the ... line ... unavailable for any other purpose".
    assert scan.allocated_to == "SO-1" and scan.cross_dock == []
    world.order("SO-2", A, [("B-1", "3")])
    assert _committed_and_waiting(world, "SO-2", "B-1") == (0, 3)
    check_books(engine)
    with transaction(engine) as session:
        start = putaway.start_putaway(session, scan.next_task_id, CTX.operator)
        putaway.complete_move_task(session, CTX, scan.next_task_id, start.to_code or world.bins[0])
    # The reservation followed the goods to the bin; allocation now sends a picker for them.
    result = world.allocate("SO-1")
    assert result.reserved_quantity == 0 and len(result.task_ids) == 1
    world.pick_all("SO-1")
    assert world.pack_and_ship("SO-1").units == 5
    assert _committed_and_waiting(world, "SO-2", "B-1") == (0, 3)
    check_books(engine)


# --- 4. bins never go negative from the floor ----------------------------------------------------------


def test_a_pick_never_takes_more_than_the_bin_holds(engine):
    world = build_world(engine)
    world.receive("W-1", "6", world.bins[0])
    world.order("SO-1", A, [("W-1", "6")])
    [task] = world.pick_tasks("SO-1")
    # Four units leave the bin behind the task's back (another terminal's move synced in).
    with transaction(engine) as session:
        loss = catalog.shared_location(session, "INVENTORY-LOSS")
    Ledger(engine, CTX).post([MoveRequest(task.item_id, task.location_id, loss.id, "4")])
    with pytest.raises(InvalidInput, match="holds only 2 W-1: pick what is there and short pick the rest"):
        world.pick(task.id)
    world.pick(task.id, "2")
    with transaction(engine) as session:
        tasks.claim_task(session, task.id, CTX.operator)
        result = picking.short_pick(session, CTX, task.id, reason="not_found")
    assert result.short == 4
    assert _committed_and_waiting(world, "SO-1", "W-1") == (2, 4)
    # And the ledger itself refuses any batch that would leave an internal location below zero.
    with pytest.raises(LedgerRuleViolation, match="holds only 0 W-1: a move cannot take 1"):
        Ledger(engine, CTX).post([MoveRequest(task.item_id, task.location_id, loss.id, "1")])
    check_books(engine)


def test_a_count_below_the_reserved_quantity_re_plans_the_lines(engine):
    world = build_world(engine)
    world.receive("W-1", "10", world.bins[0])
    world.order("SO-1", A, [("W-1", "8")])
    world.receive("W-1", "2", world.bins[1])
    [task] = world.pick_tasks("SO-1")
    assert (task.quantity, task.location_id) == (8, finders_location_id(world, world.bins[0]))
    with transaction(engine) as session:
        plan = counting.plan_cycle_count(session, "WH1", [world.bins[0]], recount_threshold="100")
        [count_task] = plan.task_ids
        tasks.claim_task(session, count_task, CTX.operator)
        [sheet_line] = counting.count_sheet(session, count_task)
        counting.record_count(session, CTX, count_task, sheet_line.line_id, "5", reason="damaged pallet")
    # 8 were reserved in a bin now holding 5: that pick shrinks to 5, the 2 in the other bin are
    # allocated, and the 1 unit the warehouse cannot cover goes back to back order.
    picks = {t.location_id: t.quantity for t in world.pick_tasks("SO-1")}
    assert picks == {finders_location_id(world, world.bins[0]): 5, finders_location_id(world, world.bins[1]): 2}
    assert _committed_and_waiting(world, "SO-1", "W-1") == (7, 1)
    check_books(engine)
    world.pick_all("SO-1")
    assert world.line("SO-1", "W-1").picked_quantity == 7
    check_books(engine)


def finders_location_id(world: World, code: str) -> int:
    with transaction(world.engine) as session:
        return finders.location_by_code(session, code).id


def test_re_open_never_reverses_stock_that_is_gone(engine):
    world = build_world(engine)
    world.receive("W-1", "5", world.bins[0])
    world.order("SO-1", A, [("W-1", "5")])
    world.pick_all("SO-1")
    world.pack_and_ship("SO-1")
    # 002 steps 7-8: two come back in good order and are restocked (into another bin)...
    _restock(world, _return(world, "SO-1", "W-1", "2", "good"), world.bins[1])
    # ...and are sold again.
    world.order("SO-2", A, [("W-1", "2")])
    world.pick_all("SO-2")
    world.pack_and_ship("SO-2")
    with engine.connect() as conn:
        moves_before = conn.execute(select(StockMove.id)).all()
    with transaction(engine) as session:
        result = orders.reopen_order(session, CTX, "SO-1")
    assert not result.reopened and result.missing == [f"{world.bins[1]}: 2 W-1 no longer there"]
    with engine.connect() as conn:
        assert conn.execute(select(StockMove.id)).all() == moves_before  # nothing reversed
    with transaction(engine) as session:
        [exception] = stock_exceptions.open_exceptions(session)
        assert (exception.id, exception.document_ref, exception.kind) == (result.exception_id, "SO-1", "reopen_short")
        assert len(exception.move_ids.split()) == 4  # the order's standing moves: pick, ship, return, restock
        assert finders.sales_order_by_number(session, "SO-1").state == OrderState.CONFIRMED
        # Refused again: still one exception. Then the supervisor settles it.
        again = orders.reopen_order(session, CTX, "SO-1")
        assert again.exception_id == exception.id
        resolved = stock_exceptions.resolve_exception(session, exception.id, "SUP1", "customer kept 3, returned 2 sold on SO-2")
        assert (resolved.state, resolved.resolved_by) == (StockExceptionState.RESOLVED, "SUP1")
    check_books(engine)


# --- 5. returns are not sellable until restocked --------------------------------------------------------


def test_returns_wait_for_a_decision_and_damaged_ones_are_never_restocked(engine):
    world = build_world(engine)
    world.receive("W-1", "5", world.bins[0])
    world.order("SO-1", A, [("W-1", "5")])
    world.pick_all("SO-1")
    world.pack_and_ship("SO-1")
    good = _return(world, "SO-1", "W-1", "2", "good")
    damaged = _return(world, "SO-1", "W-1", "1", "damaged")
    figures = world.figures("W-1")
    assert (figures.on_hand, figures.available) == (3, 0)  # three in Returns, none sellable
    world.order("SO-2", A, [("W-1", "3")])
    assert _committed_and_waiting(world, "SO-2", "W-1") == (0, 3)
    with pytest.raises(InvalidInput, match="came back damaged: it cannot be restocked"), transaction(engine) as session:
        returns.restock(session, damaged, world.bins[0])
    with transaction(engine) as session:
        returns.scrap(session, CTX, damaged)
    check_books(engine)
    _restock(world, good, world.bins[0])  # back in stock: the waiting order gets them
    assert _committed_and_waiting(world, "SO-2", "W-1") == (2, 1)
    check_books(engine)


def test_a_return_names_only_lots_shipped_on_the_order(engine):
    world = build_world(engine)
    world.receive("M-1", "4", world.bins[0], lot="L-SOON", expiry=TODAY + timedelta(days=30))
    world.receive("M-1", "4", world.bins[1], lot="L-LATE", expiry=TODAY + timedelta(days=90))
    world.order("SO-1", A, [("M-1", "3")])
    world.pick_all("SO-1")  # first expiry first: L-SOON
    world.pack_and_ship("SO-1")
    with pytest.raises(InvalidInput, match="only 0 M-1 lot L-LATE shipped on SO-1"), transaction(engine) as session:
        returns.receive_return(session, CTX, "SO-1", [returns.ReturnInput("M-1", "1", "good", "L-LATE")])
    with pytest.raises(InvalidInput, match="only 3 M-1 lot L-SOON shipped on SO-1"), transaction(engine) as session:
        returns.receive_return(session, CTX, "SO-1", [returns.ReturnInput("M-1", "4", "good", "L-SOON")])
    _return(world, "SO-1", "M-1", "3", "opened", "L-SOON")
    check_books(engine)


# --- 6. option (e): the whole order waits, and is released whole -----------------------------------------


def test_an_order_back_ordered_whole_is_released_when_all_of_it_can_be_filled(engine):
    world = build_world(engine)
    world.receive("W-1", "2", world.bins[0])
    # 003 (e) "back order whole order until you can fill".
    world.order("SO-E", E, [("W-1", "3"), ("G-1", "2")])
    assert (_committed_and_waiting(world, "SO-E", "W-1"), _committed_and_waiting(world, "SO-E", "G-1")) == ((0, 3), (0, 2))
    assert world.figures("W-1").available == 0  # the two on hand are held back for SO-E
    world.order("SO-A", A, [("W-1", "2")])  # younger: served after SO-E
    assert _committed_and_waiting(world, "SO-A", "W-1") == (0, 2)
    world.receive("G-1", "2", world.bins[1])
    assert _committed_and_waiting(world, "SO-E", "G-1") == (0, 2)  # W-1 still short: nothing of it leaves
    check_books(engine)
    world.receive("W-1", "4", world.bins[0])
    # Everything coverable is looked at, oldest first: all of SO-E, then SO-A.
    assert (_committed_and_waiting(world, "SO-E", "W-1"), _committed_and_waiting(world, "SO-E", "G-1")) == ((3, 0), (2, 0))
    assert _committed_and_waiting(world, "SO-A", "W-1") == (2, 0)
    assert world.figures("W-1").available == 1
    check_books(engine)


# --- 7. back orders are released whatever brings the stock ---------------------------------------------


def _transfer_prepared(world: World) -> str:
    """Three W-1 shipped from WH2 to WH1: in transit."""
    with transaction(world.engine) as session:
        other = catalog.create_warehouse(session, "WH2", "Warehouse 2")
        catalog.add_bin(session, other.zones["STOCK"], "B-01")
        po = purchasing.create_purchase_order(session, "ACME", "WH2", [purchasing.PurchaseLineInput("W-1", "3")])
        receipt = receiving.start_receipt(session, po.number)
        receiving.receive_scan(session, CTX, receipt.number, "4006381333931", count="3",
                               bin_scan=location_barcode("WH2/STOCK/B-01"), today=TODAY)
        transfer = transfers.create_transfer(session, "WH2", "WH1", [transfers.TransferLineInput("W-1", "3", "WH2/STOCK/B-01")])
        transfers.ship_transfer(session, CTX, transfer.number)
        return transfer.number


def _transfer_received(world: World, number: str) -> None:
    with transaction(world.engine) as session:
        transfers.receive_transfer(session, CTX, number)


def _count_finds_more(world: World, _: None) -> None:
    with transaction(world.engine) as session:
        plan = counting.plan_cycle_count(session, "WH1", [world.bins[2]], recount_threshold="100")
        [task_id] = plan.task_ids
        tasks.claim_task(session, task_id, CTX.operator)
        counting.record_unlisted(session, CTX, task_id, "4006381333931", "3", reason="found behind the rack")


def _return_prepared(world: World) -> int:
    """Three W-1 shipped on SO-0 and returned in good order: waiting in Returns for a decision."""
    world.receive("W-1", "3", world.bins[1])
    world.order("SO-0", A, [("W-1", "3")])
    world.pick_all("SO-0")
    world.pack_and_ship("SO-0")
    return _return(world, "SO-0", "W-1", "3", "good")


def _return_restocked(world: World, return_line_id: int) -> None:
    _restock(world, return_line_id, world.bins[1])


def _components_prepared(world: World) -> None:
    world.receive("W-1", "6", world.bins[1])
    world.receive("G-1", "3", world.bins[1])


def _kit_built(world: World, _: None) -> None:
    with transaction(world.engine) as session:
        kits.build_kits(session, CTX, "K-1", "3", world.bins[1])


def _order_held(world: World) -> None:
    world.receive("W-1", "3", world.bins[0])
    world.order("SO-HOLD", A, [("W-1", "3")], allocate=False)


def _order_cancelled(world: World, _: None) -> None:
    with transaction(world.engine) as session:
        orders.cancel_order(session, "SO-HOLD", today=TODAY)


# Each source: the item waited for, what is set up before the orders wait, and the stock arriving.
SOURCES = {
    "transfer received": ("W-1", _transfer_prepared, _transfer_received),
    "count finds more": ("W-1", lambda world: None, _count_finds_more),
    "return restocked": ("W-1", _return_prepared, _return_restocked),
    "kit built": ("K-1", _components_prepared, _kit_built),
    "order cancelled": ("W-1", _order_held, _order_cancelled),
}


@pytest.mark.parametrize("source", SOURCES)
def test_every_source_of_stock_releases_waiting_back_orders(engine, source):
    world = build_world(engine)
    sku, prepare, bring_in = SOURCES[source]
    prepared = prepare(world)
    world.order("SO-OLD", A, [(sku, "2")])
    world.order("SO-NEW", A, [(sku, "2")])
    assert _committed_and_waiting(world, "SO-OLD", sku) == (0, 2)
    check_books(engine)
    bring_in(world, prepared)
    # Three arrive: the oldest order is filled, the next gets what is left.
    assert _committed_and_waiting(world, "SO-OLD", sku) == (2, 0)
    assert _committed_and_waiting(world, "SO-NEW", sku) == (1, 1)
    check_books(engine)


# --- 9. status says both sides ----------------------------------------------------------------------------


def test_status_shows_goods_still_to_ship_beside_the_money(engine):
    world = build_world(engine)
    world.receive("W-1", "6", world.bins[0])
    world.order("SO-1", A, [("W-1", "10")])
    world.pick_all("SO-1")
    world.pack_and_ship("SO-1")
    with transaction(engine) as session:
        invoice = invoicing.invoice_order(session, "SO-1", issued_on=TODAY)
        invoicing.record_payment(session, invoice.number, str(invoice.total))
        status = orders.order_status(session, "SO-1")
        assert status == DerivedStatus(OrderStatus.PARTIALLY_SHIPPED, OrderStatus.PAID)
        assert status.value == "partially shipped, paid"
        with pytest.raises(InvalidInput, match="still has 1 line"):
            orders.close_order(session, "SO-1")
    # A closed order with units still waiting (not possible through close_order) is never shown closed.
    waiting = [LineProgress(D(10), D(0), D(6), D(6), backordered=D(4))]
    assert derive_status(OrderState.CLOSED, waiting, D(60), D(60)).value == "partially shipped, paid"
    assert derive_status(OrderState.CONFIRMED, [LineProgress(D(3), D(0), D(0), D(0), D(3))], D(0), D(0)).value == "back ordered"
    check_books(engine)


# --- 10. available is what a new order could commit now --------------------------------------------------


def test_available_leaves_out_expired_lots_qc_returns_and_held_back_stock(engine):
    world = build_world(engine, receipt_steps=3)
    world.receive("M-1", "5", lot="OLD", expiry=TODAY + timedelta(days=1))
    world.receive("M-1", "2", lot="NEW", expiry=TODAY + timedelta(days=60))
    assert world.figures("M-1").available == 7  # in Input, not yet through QC: on hand, sellable
    with transaction(engine) as session:
        for task in tasks.open_queue(session, world.warehouse_id, TaskKind.PUTAWAY):
            if session.get(Task, task.id).lot_id == finders.lot_by_code(session, finders.item_by_sku(session, "M-1"), "NEW").id:
                putaway.start_putaway(session, task.id, CTX.operator)
                putaway.complete_move_task(session, CTX, task.id, "WH1/QC")
    figures = world.figures("M-1")
    assert (figures.on_hand, figures.available) == (7, 5)  # QC is not sellable
    with transaction(engine) as session:
        item = lookup.lookup(session, "M-1", warehouse_code="WH1")
        assert any("available 5" in detail for detail in item.details)
        assert {(line.place, line.lot, line.available) for line in item.lines} == {("WH1/INPUT", "OLD", 5), ("WH1/QC", "NEW", 0)}
        # Tomorrow the old lot has expired: a new order cannot have it.
        result = orders.create_order(session, "C-A", "WH1", [orders.LineInput("M-1", "3")], number="SO-1")
        confirmed = orders.confirm_order(session, result.number, today=TODAY + timedelta(days=2))
        [line] = confirmed.lines
        assert (line.committed, line.backordered) == (0, 3)
    check_books(engine)
    check_books(engine, TODAY + timedelta(days=2))


def test_reservations_follow_buy_to_order_stock_not_twice(engine):
    # A sanity check of the allocation rule behind item 3: a reserved bin with its pick task is
    # not planned again when the order is allocated a second time.
    world = build_world(engine)
    world.receive("W-1", "4", world.bins[0])
    world.order("SO-1", A, [("W-1", "4")])
    assert world.allocate("SO-1").task_ids == []
    with transaction(engine) as session:
        assert sum(r.quantity for r in session.exec(select(Reservation)).all()) == 4
    check_books(engine)

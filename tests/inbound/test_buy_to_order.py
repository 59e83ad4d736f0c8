from decimal import Decimal

from sqlmodel import select

from tests.inbound.support import (
    CTX,
    TODAY,
    assert_consistent,
    barcode,
    build_world,
    quantities_of,
    sales_order,
)
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import buy_to_order, purchasing, putaway, receiving
from wms_tui.store import finders, queries
from wms_tui.store.models import Reservation, SalesOrderLine
from wms_tui.store.session import transaction


def test_non_stock_buy_to_order_receipt_is_reserved_for_its_order(engine):
    world = build_world(engine, steps=2)
    # SO-OTHER waits longer for the same item: FIFO would give it the goods; buy-to-order must not.
    [other_line] = sales_order(engine, "SO-OTHER", world.warehouse_id, [("B-1", "0", "2")], age_days=5)
    [line_id, _] = sales_order(engine, "SO-BTO", world.warehouse_id, [("B-1", "0", "3"), ("W-1", "1", "0")])
    with transaction(engine) as session:
        needed = buy_to_order.purchase_requirements(session, "SO-BTO")
        assert [(r.sku, r.quantity, r.supplier_code) for r in needed] == [("B-1", Decimal(3), "ACME")]
        [po] = buy_to_order.order_requirements(session, "SO-BTO")
        assert buy_to_order.purchase_requirements(session, "SO-BTO") == []  # already on order
    assert [(line.sku, line.quantity, line.unit_price) for line in po.lines] == [("B-1", Decimal(3), Decimal("8.50"))]
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po.number)
        scan = receiving.receive_scan(session, CTX, receipt.number, "B-1", count="3", today=TODAY)
    assert (scan.allocated_to, scan.backorders_filled) == ("SO-BTO", [])
    with transaction(engine) as session:
        [reservation] = session.exec(select(Reservation)).all()
        assert (reservation.order_line_id, reservation.quantity) == (line_id, Decimal(3))
        tasks.claim_task(session, scan.next_task_id, CTX.operator)
        putaway.complete_move_task(session, CTX, scan.next_task_id, barcode(session, world.bins[0]))
    with transaction(engine) as session:
        [reservation] = session.exec(select(Reservation)).all()
        assert reservation.location_id == finders.location_by_code(session, world.bins[0]).id  # followed the goods
        item = finders.item_by_sku(session, "B-1")
        conn = session.connection()
        held = (queries.on_hand_at(conn, item.id, reservation.location_id), queries.committed_at(conn, item.id, reservation.location_id))
    assert held == (Decimal(3), Decimal(3))  # nothing free in the bin for another order to pick
    figures = quantities_of(engine, "B-1")
    assert (figures.on_hand, figures.committed, figures.available, figures.back_ordered) == (
        Decimal(3), Decimal(3), Decimal(0), Decimal(2)
    )
    with transaction(engine) as session:
        assert session.get(SalesOrderLine, other_line).backordered_quantity == Decimal(2)
    assert_consistent(engine)


def test_stock_buy_to_order_goes_to_unallocated_stock_fifo(engine):
    world = build_world(engine)
    with transaction(engine) as session:
        catalog.create_item(session, "S-1", "Stocked special", buy_to_order=True, standard_cost="4")
        purchasing.set_supplier_price(session, "ACME", "S-1", "4")
    sales_order(engine, "SO-OLD", world.warehouse_id, [("S-1", "0", "2")], age_days=5)
    sales_order(engine, "SO-NEW", world.warehouse_id, [("S-1", "0", "2")])
    with transaction(engine) as session:
        [po] = buy_to_order.order_requirements(session, "SO-NEW")
        receipt = receiving.start_receipt(session, po.number)
        scan = receiving.receive_scan(session, CTX, receipt.number, "S-1", count="2", today=TODAY)
    # Not pinned to SO-NEW: general stock, so the oldest back order is filled first.
    assert scan.allocated_to is None
    assert [(r.order_number, r.quantity) for r in scan.backorders_filled] == [("SO-OLD", Decimal(2))]
    with transaction(engine) as session:
        assert session.exec(select(Reservation)).all() == []
    assert quantities_of(engine, "S-1").committed == Decimal(2)
    assert_consistent(engine)

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.outbound.helpers import CTX, build_shop, check_books
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import DerivedStatus, OrderStatus, PaymentStatus
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.backorders import release_waiting
from wms_tui.services.outbound import (
    allocation,
    invoicing,
    orders,
    packing,
    picking,
    returns,
    shipping,
)
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders, queries
from wms_tui.store.models import StockBalance, StockMove
from wms_tui.store.session import transaction

WIDGET_EAN = "4006381333931"
WIDGET_CASE = "14006381333938"


def _order(engine, lines, number="SO-1", **kwargs):
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", lines, number=number, **kwargs)
        result = orders.confirm_order(session, number)
        allocation.allocate(session, [number])
        return result


def _pick_all(engine, shop, number, operator="alice"):
    with transaction(engine) as session:
        for task in tasks.open_queue(session, shop.wh.warehouse_id, TaskKind.PICK):
            if task.document_ref != number:
                continue
            tasks.claim_task(session, task.id, operator)
            location = session.get(type(shop.wh.bin_a), task.location_id)
            picking.confirm_pick(session, CTX, task.id, location_scan=location_barcode(location.code), item_scan=WIDGET_EAN,
                                 packages=task.quantity)


def _pack_and_ship(engine, number, tracking):
    with transaction(engine) as session:
        box = packing.open_container(session, CTX, number)
        picked = sum(line.picked_quantity - line.shipped_quantity for line in orders.order_lines(session, finders.sales_order_by_number(session, number).id))
        packing.pack(session, CTX, box.code, item_scan=WIDGET_CASE) if picked >= 12 else None
        left = picked - (12 if picked >= 12 else 0)
        if left:
            packing.pack(session, CTX, box.code, item_scan=WIDGET_EAN, packages=left)
        packing.close_container(session, box.code, weight_kg="4.2")
        return shipping.ship(session, CTX, number, [box.code], carrier="DHL", tracking_number=tracking), box.code


def test_partial_shipment_then_the_rest_invoiced_as_shipped_and_paid(engine):
    shop = build_shop(engine, steps=3)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "6")
    result = _order(engine, [LineInput("W-1", "10", "5.00", discount_percent="10", tax_rate="21")], freight="7.50")
    assert [(line.committed, line.backordered) for line in result.lines] == [(Decimal(6), Decimal(4))]
    check_books(engine)
    _pick_all(engine, shop, "SO-1")
    first, box = _pack_and_ship(engine, "SO-1", "TRACK-1")
    assert first.units == Decimal(6) and len(box) == 18 and box.startswith("0871234567")
    with transaction(engine) as session:
        # 4 units still back ordered: partially shipped, whatever the money says later
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.PARTIALLY_SHIPPED)
        invoice = invoicing.invoice_order(session, "SO-1", issued_on=date(2026, 1, 1))
        # 6 x 5.00 less 10% = 27.00, 21% tax = 5.67, freight 7.50 on the first invoice
        assert (invoice.subtotal, invoice.tax_total, invoice.freight, invoice.total) == (
            Decimal("27.00"), Decimal("5.67"), Decimal("7.50"), Decimal("40.17"))
        with pytest.raises(InvalidInput, match="already invoiced for everything shipped"):
            invoicing.invoice_order(session, "SO-1")
        slip = packing.packing_slip(session, "SO-1")
        assert [(line.sku, line.shipped, line.back_ordered) for line in slip.lines] == [("W-1", Decimal(6), Decimal(4))]
        assert not hasattr(slip.lines[0], "unit_price")
        [label] = packing.container_labels(session, "SO-1")
        assert (label.sscc, label.carrier, label.tracking_number, label.of) == (box, "DHL", "TRACK-1", 1)
        assert label.contents[0].gtin == WIDGET_EAN and label.contents[0].quantity == Decimal(6)
    check_books(engine)
    shop.receive(shop.wh.widget.id, shop.wh.bin_b.id, "4")
    with transaction(engine) as session:
        [released] = release_waiting(session, shop.wh.warehouse_id, [shop.wh.widget.id])
        assert released.order_number == "SO-1"
        allocation.allocate(session, ["SO-1"])
    _pick_all(engine, shop, "SO-1")
    _pack_and_ship(engine, "SO-1", "TRACK-2")
    with transaction(engine) as session:
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.FULFILLED, OrderStatus.INVOICED)
        second = invoicing.invoice_order(session, "SO-1", issued_on=date(2026, 1, 5))
        assert (second.freight, second.total) == (Decimal(0), Decimal("21.78"))
        invoicing.record_payment(session, invoice.number, "40.17")
        assert orders.order_status(session, "SO-1").value == "fulfilled, partially paid"
        with pytest.raises(InvalidInput, match="more than the 21.78 still open"):
            invoicing.record_payment(session, second.number, "30")
        assert invoicing.invoice_payment_status(session, second.number, as_of=date(2026, 3, 1)) is PaymentStatus.OVERDUE
        [row] = invoicing.aging(session, as_of=date(2026, 3, 1))
        assert row.buckets["1-30"] == Decimal("21.78")
        invoicing.record_payment(session, second.number, "21.78")
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.FULFILLED, OrderStatus.PAID)
        orders.close_order(session, "SO-1")
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.CLOSED)
    check_books(engine)


@pytest.mark.parametrize("disposition", ["restock", "scrap"])
def test_return_then_restock_or_scrap_with_credit_note(engine, disposition):
    shop = build_shop(engine, steps=2)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "5")
    _order(engine, [LineInput("W-1", "5", "2.00", tax_rate="10")])
    _pick_all(engine, shop, "SO-1")
    _pack_and_ship(engine, "SO-1", "T")
    with transaction(engine) as session:
        with pytest.raises(InvalidInput, match="only 5 W-1 shipped"):
            returns.receive_return(session, CTX, "SO-1", [returns.ReturnInput("W-1", "6", "good")])
        condition = "opened" if disposition == "restock" else "damaged"  # a damaged return is never restocked
        document = returns.receive_return(session, CTX, "SO-1", [returns.ReturnInput("W-1", "2", condition)])
        line_id = session.exec(select(returns.SalesReturnLine.id).where(returns.SalesReturnLine.return_id == document.id)).one()
        note = returns.issue_credit_note(session, document.number)
        assert note.total == Decimal("4.40")
        with pytest.raises(InvalidInput, match="already has a credit note"):
            returns.issue_credit_note(session, document.number)
    check_books(engine)
    with transaction(engine) as session:
        if disposition == "restock":
            task_id = returns.restock(session, line_id, shop.wh.bin_b.code)
            tasks.claim_task(session, task_id, "alice")
            with pytest.raises(InvalidInput, match="wrong location"):
                returns.confirm_restock(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_a.code))
            returns.confirm_restock(session, CTX, task_id, location_scan=location_barcode(shop.wh.bin_b.code))
        else:
            returns.scrap(session, CTX, line_id)
    with engine.connect() as conn:
        expected = {"restock": (Decimal(2), Decimal(0)), "scrap": (Decimal(0), Decimal(2))}[disposition]
        assert (queries.on_hand_at(conn, shop.wh.widget.id, shop.wh.bin_b.id), queries.on_hand_at(conn, shop.wh.widget.id, shop.wh.scrap.id)) == expected
    check_books(engine)


def _balances(engine):
    with engine.connect() as conn:
        return {tuple(row[:4]): row.quantity for row in conn.execute(select(StockBalance)) if row.quantity != 0}


def test_cancel_refused_after_a_pick_and_reopen_restores_stock_exactly(engine):
    shop = build_shop(engine, steps=3)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "20")
    before = _balances(engine)
    _order(engine, [LineInput("W-1", "8", "1.00")])
    _pick_all(engine, shop, "SO-1")
    with transaction(engine) as session:
        box = packing.open_container(session, CTX, "SO-1")
        packing.pack(session, CTX, box.code, item_scan=WIDGET_EAN, packages="3")
    with transaction(engine) as session:
        with pytest.raises(InvalidInput, match="cannot be cancelled: stock has moved for it; re-open it instead"):
            orders.cancel_order(session, "SO-1")
    with transaction(engine) as session:
        assert orders.reopen_order(session, CTX, "SO-1").reopened
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.OPEN)
    assert _balances(engine) == before
    with engine.connect() as conn:
        moves = conn.execute(select(func.count()).select_from(StockMove).where(StockMove.document_ref == "SO-1")).scalar_one()
        assert moves == 4  # pick, pack and their reversals: the ledger keeps the history
    check_books(engine)
    with transaction(engine) as session:
        orders.cancel_order(session, "SO-1")  # nothing processed any more: cancel is allowed
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.CANCELLED)
    check_books(engine)


def test_one_step_delivery_picks_straight_to_the_customer(engine):
    shop = build_shop(engine, steps=1)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "3")
    _order(engine, [LineInput("W-1", "3", "1.00")])
    _pick_all(engine, shop, "SO-1")
    with transaction(engine) as session:
        assert orders.order_status(session, "SO-1") == DerivedStatus(OrderStatus.FULFILLED)
        with pytest.raises(InvalidInput, match="delivers in 1 step"):
            packing.open_container(session, CTX, "SO-1")
    check_books(engine)


def test_fefo_never_allocates_an_expired_lot(engine):
    shop = build_shop(engine, steps=2)
    with transaction(engine) as session:
        old = catalog.get_or_create_lot(session, shop.wh.milk, "OLD", date.today() - timedelta(days=1))
        soon = catalog.get_or_create_lot(session, shop.wh.milk, "SOON", date.today() + timedelta(days=3))
        ids = (old.id, soon.id, shop.wh.milk_lot.id)
    shop.receive(shop.wh.milk.id, shop.wh.bin_a.id, "10", lot_id=ids[0])
    shop.receive(shop.wh.milk.id, shop.wh.bin_b.id, "4", lot_id=ids[2])
    shop.receive(shop.wh.milk.id, shop.wh.bin_b.id, "3", lot_id=ids[1])
    result = _order(engine, [LineInput("M-1", "9", "1")])
    # 10 expired units are on hand but never promised: 7 good units committed, 2 back ordered.
    assert [(line.committed, line.backordered) for line in result.lines] == [(Decimal(7), Decimal(2))]
    with transaction(engine) as session:
        picks = tasks.open_queue(session, shop.wh.warehouse_id, TaskKind.PICK)
        assert [(task.lot_id, task.quantity) for task in picks] == [(ids[1], Decimal(3)), (ids[2], Decimal(4))]
        tasks.claim_task(session, picks[0].id, "alice")
        with pytest.raises(InvalidInput, match="expired"):
            picking.confirm_pick(session, CTX, picks[0].id, location_scan=location_barcode(shop.wh.bin_a.code),
                                 item_scan=_milk_barcode(session, shop), lot_code="OLD")
    check_books(engine)


def _milk_barcode(session, shop):
    return catalog.add_barcode(session, shop.wh.milk, "5412345000013").barcode

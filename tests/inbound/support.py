"""A small inbound world and the consistency check every inbound scenario ends with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select

from wms_tui.domain import availability
from wms_tui.domain.items import Tracking
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO
from wms_tui.services import catalog
from wms_tui.services.inbound import purchasing
from wms_tui.store import finders, queries
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    StockMove,
    Warehouse,
)
from wms_tui.store.session import transaction

CTX = PostingContext(terminal_id="T-IN", operator="rita")
TODAY = date(2026, 11, 22)


@dataclass
class World:
    warehouse: str
    warehouse_id: int
    bins: list[str]  # codes of the Stock bins, in pick order


def build_world(engine: Engine, *, steps: int = 1, code: str = "WH1", bins: int = 3) -> World:
    """A warehouse with `bins` Stock bins, supplier ACME and items W-1 (case of 12), M-1 (lot and
    expiry tracked) and B-1 (non-stock buy-to-order)."""
    with transaction(engine) as session:
        wh = catalog.create_warehouse(session, code, f"Warehouse {code}", receipt_steps=steps)
        codes = [catalog.add_bin(session, wh.zones["STOCK"], f"A-01-{n:02d}", pick_sequence=n).code for n in range(1, bins + 1)]
        if session.exec(select(Item).where(Item.sku == "W-1")).first() is None:
            widget = catalog.create_item(session, "W-1", "Widget", standard_cost="2.50")
            catalog.add_barcode(session, widget, "4006381333931")
            catalog.add_barcode(session, widget, "14006381333938", packaging="case", quantity="12")
            milk = catalog.create_item(session, "M-1", "Milk 1l", tracking=Tracking.LOT, expiry_tracked=True, standard_cost="0.80")
            catalog.add_barcode(session, milk, "4000000000013")
            catalog.create_item(session, "B-1", "Custom bracket", is_stock=False, buy_to_order=True, standard_cost="9")
            purchasing.register_supplier(session, "ACME", "Acme Supplies", lead_time_days=3)
            purchasing.set_supplier_price(session, "ACME", "W-1", "2.40")
            purchasing.set_supplier_price(session, "ACME", "B-1", "8.50")
        return World(code, wh.warehouse.id, codes)


def barcode(session: Session, code: str) -> str:
    return session.exec(select(Location.barcode).where(Location.code == code)).one()


def sales_order(engine: Engine, number: str, warehouse_id: int, lines: list[tuple[str, str, str]], *, age_days: int = 0) -> list[int]:
    """A confirmed order whose lines (sku, committed, back ordered) are as the outbound side
    leaves them; returns the line ids."""
    with transaction(engine) as session:
        customer = session.exec(select(Partner).where(Partner.code == "CUST")).first()
        if customer is None:
            customer = Partner(code="CUST", name="Customer", kind="customer")
            session.add(customer)
            session.flush()
        order = SalesOrder(number=number, customer_id=customer.id, warehouse_id=warehouse_id, state="confirmed",
                           created_at=datetime.now(UTC) - timedelta(days=age_days))
        session.add(order)
        session.flush()
        ids = []
        for sku, committed, back in lines:
            item = finders.item_by_sku(session, sku)
            line = SalesOrderLine(order_id=order.id, item_id=item.id, quantity=Decimal(committed) + Decimal(back),
                                  committed_quantity=Decimal(committed), backordered_quantity=Decimal(back))
            session.add(line)
            session.flush()
            ids.append(line.id)
        return ids


def quantities_of(engine: Engine, sku: str, warehouse: str = "WH1") -> queries.ItemQuantities:
    with transaction(engine) as session:
        item = finders.item_by_sku(session, sku)
        wh = finders.warehouse_by_code(session, warehouse)
        return queries.warehouse_quantities(session.connection(), item.id, wh.id)


def on_hand(engine: Engine, sku: str, location_code: str) -> Decimal:
    with transaction(engine) as session:
        item = finders.item_by_sku(session, sku)
        location = finders.location_by_code(session, location_code)
        return queries.on_hand_at(session.connection(), item.id, location.id)


def assert_consistent(engine: Engine) -> None:
    """Ledger invariant, and every figure re-derived from the moves and the documents."""
    with transaction(engine) as session:
        conn = session.connection()
        assert all(total == 0 for total in queries.item_balance_totals(conn).values())
        from_moves: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        from_moves_lot: dict[tuple[int, int, int | None], Decimal] = defaultdict(Decimal)
        for move in session.exec(select(StockMove)).all():
            from_moves[(move.item_id, move.from_location_id)] -= move.quantity
            from_moves[(move.item_id, move.to_location_id)] += move.quantity
            from_moves_lot[(move.item_id, move.from_location_id, move.lot_id)] -= move.quantity
            from_moves_lot[(move.item_id, move.to_location_id, move.lot_id)] += move.quantity
        expiry = dict(session.exec(select(Lot.id, Lot.expiry_date)).all())
        balances: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for balance in session.exec(select(StockBalance)).all():
            balances[(balance.item_id, balance.location_id)] += balance.quantity
        assert {k: v for k, v in balances.items() if v} == {k: v for k, v in from_moves.items() if v}

        for line in session.exec(select(PurchaseOrderLine)).all():
            received = sum((r.quantity for r in session.exec(select(ReceiptLine).where(ReceiptLine.purchase_order_line_id == line.id))), ZERO)
            assert line.received_quantity == received

        locations = {loc.id: loc for loc in session.exec(select(Location)).all()}
        for warehouse in session.exec(select(Warehouse)).all():
            for item in session.exec(select(Item)).all():
                figures = queries.warehouse_quantities(conn, item.id, warehouse.id)
                on_hand = sum((q for (i, loc), q in from_moves.items() if i == item.id and locations[loc].warehouse_id == warehouse.id
                               and locations[loc].kind == LocationKind.INTERNAL), ZERO)
                transit = sum((q for (i, loc), q in from_moves.items() if i == item.id and locations[loc].warehouse_id == warehouse.id
                               and locations[loc].kind == LocationKind.TRANSIT), ZERO)
                lines = session.exec(
                    select(SalesOrderLine).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
                    .where(SalesOrderLine.item_id == item.id, SalesOrder.warehouse_id == warehouse.id, SalesOrder.state == "confirmed")
                ).all()
                committed = sum((line.committed_quantity for line in lines), ZERO)
                back = sum((line.backordered_quantity for line in lines), ZERO)
                po_lines = session.exec(
                    select(PurchaseOrderLine).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
                    .where(PurchaseOrderLine.item_id == item.id, PurchaseOrder.warehouse_id == warehouse.id, PurchaseOrder.state == "open")
                ).all()
                on_order = sum((line.quantity - line.received_quantity for line in po_lines), ZERO)
                assert (figures.on_hand, figures.committed, figures.back_ordered, figures.on_order, figures.in_transit) == (
                    on_hand, committed, back, on_order, transit
                ), (item.sku, warehouse.code)
                sellable = sum((q for (i, loc, lot), q in from_moves_lot.items() if i == item.id
                                and locations[loc].warehouse_id == warehouse.id
                                and availability.is_sellable(locations[loc].kind, locations[loc].code)
                                and not availability.is_expired(expiry.get(lot), date.today())), ZERO)
                assert figures.available == availability.available(sellable, committed, back)
        for line in session.exec(select(SalesOrderLine)).all():
            reserved = sum((r.quantity for r in session.exec(select(Reservation).where(Reservation.order_line_id == line.id))), ZERO)
            assert reserved <= line.committed_quantity
        reserved_at: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for reservation in session.exec(select(Reservation)).all():
            reserved_at[(reservation.item_id, reservation.location_id)] += reservation.quantity
        assert all(from_moves[key] >= quantity for key, quantity in reserved_at.items())


def stock_up(engine: Engine, sku: str, bin_code: str, quantity: str, *, lot: str | None = None, expiry: date | None = None,
             warehouse: str = "WH1") -> None:
    """Put stock in a bin through a blind receipt scanned straight into it (1-step warehouse)."""
    from wms_tui.services.inbound import receiving

    with transaction(engine) as session:
        receipt = receiving.start_blind_receipt(session, warehouse)
        receiving.receive_scan(session, CTX, receipt.number, sku, count=quantity, lot=lot, expiry=expiry,
                               bin_scan=barcode(session, bin_code), today=TODAY)

"""A warehouse with customers and stock, and the books check every outbound test ends with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from tests.factories import SmallWarehouse, build_small_warehouse
from wms_tui.domain import availability
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO
from wms_tui.services.outbound import customers, packing
from wms_tui.store import queries
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.models import (
    Location,
    Lot,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockMove,
    Warehouse,
)
from wms_tui.store.session import transaction

CTX = PostingContext(terminal_id="T1", operator="alice")


@dataclass
class Shop:
    wh: SmallWarehouse
    engine: Engine

    def receive(self, item_id: int, location_id: int, quantity: str, lot_id: int | None = None) -> None:
        Ledger(self.engine, CTX).post([MoveRequest(item_id, self.wh.supplier.id, location_id, quantity, lot_id=lot_id, reason="receipt")])


def build_shop(engine: Engine, *, steps: int = 3, policy: str = "backorder_rest") -> Shop:
    wh = build_small_warehouse(engine)
    with transaction(engine) as session:
        session.get(Warehouse, wh.warehouse_id).delivery_steps = steps
        customers.create_customer(session, "C1", "Customer One", ship_to=customers.ShipTo("Customer One", "Main St 1", "Ghent", "9000", "be"),
                                  policy=policy, payment_terms_days=30)
        packing.assign_number_range(session, "T1", "0871234567", 1, 999)
    return Shop(wh, engine)


def check_books(engine: Engine) -> None:
    """Ledger invariant, and every figure the services keep agrees with a recomputation."""
    with Session(engine) as session:
        conn = session.connection()
        assert all(total == 0 for total in queries.item_balance_totals(conn).values())
        locations = {row.id: row for row in conn.execute(select(Location.id, Location.kind, Location.warehouse_id, Location.code))}
        expiry = dict(conn.execute(select(Lot.id, Lot.expiry_date)).all())
        moves = conn.execute(select(StockMove)).all()
        original = aliased(StockMove)
        reversal_of = dict(conn.execute(select(StockMove.id, original.reason).join(original, original.id == StockMove.reverses_id)).all())
        shipped = defaultdict(Decimal)
        picked = defaultdict(Decimal)
        on_hand = defaultdict(Decimal)
        sellable = defaultdict(Decimal)
        for move in moves:
            to_kind, from_kind = locations[move.to_location_id].kind, locations[move.from_location_id].kind
            if to_kind == LocationKind.CUSTOMER:
                shipped[move.document_line_id] += move.quantity
            if from_kind == LocationKind.CUSTOMER and move.reason != "return":
                shipped[move.document_line_id] -= move.quantity
            if move.reason in ("pick", "cross_dock"):
                picked[move.document_line_id] += move.quantity
            if reversal_of.get(move.id) in ("pick", "cross_dock"):
                picked[move.document_line_id] -= move.quantity
            for location_id, sign in ((move.to_location_id, 1), (move.from_location_id, -1)):
                location = locations[location_id]
                if location.kind == LocationKind.INTERNAL:
                    on_hand[(move.item_id, location.warehouse_id)] += sign * move.quantity
                if availability.is_sellable(location.kind, location.code) and not availability.is_expired(expiry.get(move.lot_id), date.today()):
                    sellable[(move.item_id, location.warehouse_id)] += sign * move.quantity
        reserved = defaultdict(Decimal)
        for line_id, quantity in conn.execute(select(Reservation.order_line_id, Reservation.quantity)):
            reserved[line_id] += quantity
        committed = defaultdict(Decimal)
        backordered = defaultdict(Decimal)
        for line, state, warehouse_id in session.exec(
            select(SalesOrderLine, SalesOrder.state, SalesOrder.warehouse_id).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        ):
            assert line.shipped_quantity == shipped[line.id], f"line {line.id}: shipped"
            assert line.picked_quantity == picked[line.id], f"line {line.id}: picked"
            if state in ("quote", "draft"):
                assert (line.committed_quantity, line.backordered_quantity, line.cancelled_quantity) == (ZERO, ZERO, ZERO)
                continue
            assert line.quantity == line.committed_quantity + line.backordered_quantity + line.cancelled_quantity + line.shipped_quantity
            assert min(line.committed_quantity, line.backordered_quantity, line.cancelled_quantity) >= 0
            assert reserved[line.id] + line.picked_quantity - line.shipped_quantity <= line.committed_quantity
            if state == "confirmed":
                committed[(line.item_id, warehouse_id)] += line.committed_quantity
                backordered[(line.item_id, warehouse_id)] += line.backordered_quantity
        for item_id, warehouse_id in set(on_hand) | set(committed):
            totals = queries.warehouse_quantities(conn, item_id, warehouse_id)
            assert totals.on_hand == on_hand[(item_id, warehouse_id)]
            assert totals.committed == committed[(item_id, warehouse_id)]
            assert totals.back_ordered == backordered[(item_id, warehouse_id)]
            key = (item_id, warehouse_id)
            assert totals.available == availability.available(sellable[key], committed[key], backordered[key])

"""A warehouse driven through the services the way people work it, and the books every stock
rule test ends with: the ledger invariant and each quantity recomputed from moves and documents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select

from wms_tui.domain import availability
from wms_tui.domain.locations import LocationKind, location_barcode
from wms_tui.domain.outbound import BackorderPolicy
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import kits, purchasing, receiving
from wms_tui.services.outbound import (
    allocation,
    customers,
    orders,
    packable,
    packing,
    picking,
    shipping,
)
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders, queries
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    Item,
    Location,
    Lot,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    StockMove,
    Task,
)
from wms_tui.store.session import transaction

CTX = PostingContext("T-RULES", "rita")
TODAY = datetime.now(UTC).date()
D = Decimal
# Customers, one per back-order policy (reference 003: "code customer option").
CUSTOMER_OF = {
    BackorderPolicy.BACKORDER_REST: "C-A",
    BackorderPolicy.CANCEL_REST: "C-B",
    BackorderPolicy.SHIP_COMPLETE: "C-C",
    BackorderPolicy.SHIP_NOTHING: "C-D",
    BackorderPolicy.BACKORDER_ALL: "C-E",
}
# Item -> (scan barcode, standard cost). Purchases are priced at standard cost, so every move
# carries one cost and "nothing there" also means "worth nothing" whatever costing does.
ITEMS = {
    "W-1": ("4006381333931", "2.50"),
    "G-1": ("4000000000020", "4.00"),
    "M-1": ("4000000000013", "0.80"),  # tracked by lot, with expiry
    "B-1": ("B-1", "9.00"),  # non-stock, bought to order
    "K-1": ("K-1", "9.00"),  # a kit: 2 W-1 and 1 G-1
}


@dataclass
class World:
    engine: Engine
    warehouse_id: int
    bins: list[str]
    clock: int = 0  # orders are entered one minute apart, oldest first

    # --- setting up -----------------------------------------------------------------------------

    def receive(self, sku: str, quantity: str, bin_code: str | None = None, *, lot: str | None = None, expiry: date | None = None):
        """A purchase order for the goods, received in one scan into a bin (or the landing zone)."""
        with transaction(self.engine) as session:
            po = purchasing.create_purchase_order(session, "ACME", "WH1", [purchasing.PurchaseLineInput(sku, quantity)])
            receipt = receiving.start_receipt(session, po.number)
            bin_scan = location_barcode(bin_code) if bin_code else None
            return receiving.receive_scan(session, CTX, receipt.number, ITEMS[sku][0], count=quantity, lot=lot, expiry=expiry,
                                          bin_scan=bin_scan, today=TODAY)

    def order(self, number: str, policy: BackorderPolicy, lines: list[tuple[str, str]], *, allocate: bool = True):
        """A sales order entered and confirmed (and allocated): reference 003 "order placed"."""
        self.clock += 1
        with transaction(self.engine) as session:
            orders.create_order(session, CUSTOMER_OF[policy], "WH1", [LineInput(sku, quantity, "10.00") for sku, quantity in lines],
                                number=number, created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=self.clock))
            result = orders.confirm_order(session, number, today=TODAY)
            if allocate and result.state == "confirmed":
                allocation.allocate(session, [number], today=TODAY)
            return result

    def allocate(self, number: str):
        with transaction(self.engine) as session:
            return allocation.allocate(session, [number], today=TODAY)

    def pick_tasks(self, number: str) -> list[Task]:
        with transaction(self.engine) as session:
            return [task for task in tasks.open_queue(session, self.warehouse_id, TaskKind.PICK) if task.document_ref == number]

    def pick(self, task_id: int, quantity: object | None = None):
        with transaction(self.engine) as session:
            task = tasks.claim_task(session, task_id, CTX.operator)
            location = session.get(Location, task.location_id)
            lot = session.get(Lot, task.lot_id) if task.lot_id else None
            sku = session.get(Item, task.item_id).sku
            return picking.confirm_pick(
                session, CTX, task_id, location_scan=location_barcode(location.code), item_scan=ITEMS[sku][0],
                packages=task.quantity - task.done_quantity if quantity is None else quantity,
                lot_code=lot.code if lot else None, today=TODAY,
            )

    def pick_all(self, number: str) -> None:
        for task in self.pick_tasks(number):
            self.pick(task.id)

    def pack_and_ship(self, number: str) -> shipping.ShipmentResult:
        with transaction(self.engine) as session:
            order = finders.sales_order_by_number(session, number)
            box = packing.open_container(session, CTX, number)
            for line in orders.order_lines(session, order.id):
                sku = session.get(Item, line.item_id).sku
                for lot, units in packable.open_lots(session, order, line.item_id).items():
                    packing.pack(session, CTX, box.code, item_scan=ITEMS[sku][0], packages=units, lot_code=lot)
            packing.close_container(session, box.code, weight_kg="1")
            return shipping.ship(session, CTX, number, [box.code], carrier="DHL")

    def line(self, number: str, sku: str) -> SalesOrderLine:
        with transaction(self.engine) as session:
            order = finders.sales_order_by_number(session, number)
            item = finders.item_by_sku(session, sku)
            return session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id, SalesOrderLine.item_id == item.id)).one()

    def figures(self, sku: str) -> queries.ItemQuantities:
        with transaction(self.engine) as session:
            return queries.warehouse_quantities(session.connection(), finders.item_by_sku(session, sku).id, self.warehouse_id, TODAY)

    def on_hand(self, sku: str, location_code: str) -> Decimal:
        with transaction(self.engine) as session:
            item, location = finders.item_by_sku(session, sku), finders.location_by_code(session, location_code)
            return queries.on_hand_at(session.connection(), item.id, location.id)


def build_world(engine: Engine, *, receipt_steps: int = 1, delivery_steps: int = 2, bins: int = 3) -> World:
    with transaction(engine) as session:
        wh = catalog.create_warehouse(session, "WH1", "Warehouse 1", receipt_steps=receipt_steps, delivery_steps=delivery_steps)
        codes = [catalog.add_bin(session, wh.zones["STOCK"], f"A-{n:02d}", pick_sequence=n).code for n in range(1, bins + 1)]
        purchasing.register_supplier(session, "ACME", "Acme Supplies")
        for sku, (barcode, cost) in ITEMS.items():
            item = catalog.create_item(session, sku, sku, standard_cost=cost, is_stock=sku != "B-1", buy_to_order=sku == "B-1",
                                       tracking="lot" if sku == "M-1" else "none", expiry_tracked=sku == "M-1")
            if barcode != sku:
                catalog.add_barcode(session, item, barcode)
            purchasing.set_supplier_price(session, "ACME", sku, cost)
        kits.define_kit(session, "K-1", [("W-1", "2"), ("G-1", "1")])  # 2 x 2.50 + 4.00 = its standard cost
        for policy, code in CUSTOMER_OF.items():
            customers.create_customer(session, code, f"Customer {code}", policy=policy)
        packing.assign_number_range(session, CTX.terminal_id, "0871234567", 1, 99999)
        return World(engine, wh.warehouse.id, codes)


def check_books(engine: Engine, today: date = TODAY) -> None:
    """Double entry, and every quantity and value the services keep equals its recomputation:
    balances from the moves; per item and warehouse on hand, committed, back ordered and
    available (domain.availability) from the moves and the order lines; no internal location
    below zero; committed never above on hand; where nothing is, nothing is worth anything."""
    with Session(engine) as session:
        conn = session.connection()
        locations = {row.id: row for row in conn.execute(select(Location.id, Location.kind, Location.code, Location.warehouse_id))}
        expiry = dict(conn.execute(select(Lot.id, Lot.expiry_date)).all())
        balances: dict[tuple, list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
        for move in conn.execute(select(StockMove)):
            value = (move.quantity * move.unit_cost).quantize(D("0.0001"))
            for location_id, sign in ((move.from_location_id, -1), (move.to_location_id, 1)):
                key = (move.item_id, location_id, move.lot_id or 0, move.container_id or 0)
                balances[key][0] += sign * move.quantity
                balances[key][1] += sign * value
        stored = {
            (row.item_id, row.location_id, row.lot_id, row.container_id): [row.quantity, row.value]
            for row in conn.execute(select(StockBalance))
        }
        assert {k: v for k, v in stored.items() if v != [0, 0]} == {k: v for k, v in balances.items() if v != [0, 0]}
        per_item: dict[int, Decimal] = defaultdict(Decimal)
        on_hand: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        sellable: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for (item_id, location_id, lot_id, _), (quantity, value) in balances.items():
            per_item[item_id] += quantity
            location = locations[location_id]
            if location.kind == LocationKind.INTERNAL:
                assert quantity >= 0, f"item {item_id} at {location.code}: {quantity}"
                if quantity == 0:
                    assert value == 0, f"item {item_id} at {location.code}: nothing there, worth {value}"
                on_hand[(item_id, location.warehouse_id)] += quantity
                if availability.is_sellable(location.kind, location.code) and not availability.is_expired(expiry.get(lot_id), today):
                    sellable[(item_id, location.warehouse_id)] += quantity
        assert all(total == 0 for total in per_item.values())

        committed: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        back_ordered: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        reserved: dict[int, Decimal] = defaultdict(Decimal)
        reserved_at: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        for reservation in session.exec(select(Reservation)):
            reserved[reservation.order_line_id] += reservation.quantity
            reserved_at[(reservation.item_id, reservation.location_id, reservation.lot_id or 0)] += reservation.quantity
        held_at: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        for (item_id, location_id, lot_id, _), (quantity, _) in balances.items():
            held_at[(item_id, location_id, lot_id)] += quantity
        for key, quantity in reserved_at.items():  # a reservation pins stock that is there
            assert quantity <= held_at[key], f"reserved {quantity} of item {key[0]} at {locations[key[1]].code}, it holds {held_at[key]}"
        for line, order in session.exec(select(SalesOrderLine, SalesOrder).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)):
            if order.state in ("quote", "draft"):
                assert (line.committed_quantity, line.backordered_quantity, line.cancelled_quantity, line.shipped_quantity) == (0, 0, 0, 0)
                continue
            assert line.quantity == line.committed_quantity + line.backordered_quantity + line.cancelled_quantity + line.shipped_quantity
            assert min(line.committed_quantity, line.backordered_quantity, line.cancelled_quantity) >= 0
            assert reserved[line.id] + line.picked_quantity - line.shipped_quantity <= line.committed_quantity, f"line {line.id}"
            if order.state == "confirmed":
                committed[(line.item_id, order.warehouse_id)] += line.committed_quantity
                back_ordered[(line.item_id, order.warehouse_id)] += line.backordered_quantity
        for key in set(on_hand) | set(committed) | set(back_ordered):
            item_id, warehouse_id = key
            assert committed[key] <= on_hand[key], f"item {item_id}: committed {committed[key]} > on hand {on_hand[key]}"
            figures = queries.warehouse_quantities(conn, item_id, warehouse_id, today)
            available = availability.available(sellable[key], committed[key], back_ordered[key])
            assert (figures.on_hand, figures.committed, figures.back_ordered, figures.available) == (
                on_hand[key], committed[key], back_ordered[key], available
            ), f"item {item_id}"
            # The one-item read of a scan, its own statement: the same rule.
            assert queries.available_in_warehouse(conn, item_id, warehouse_id, today) == available, f"item {item_id}"

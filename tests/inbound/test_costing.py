"""Costing methods (issue 12, item 1), driven through the services, on SQLite and PostgreSQL.

Reference 001: "inventory analysis can use products count or products value (= number of
products * product cost)", with its location-value table; Odoo's three costing methods.
Every scenario ends with the books: each item's balances sum to zero over all locations, every
balance's value is the sum of its moves' quantity x unit cost, and a valued location holding
nothing is worth exactly 0.
"""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from tests.inbound.books import check_values
from tests.inbound.support import CTX, TODAY
from tests.ledger.test_valuation import REFERENCE_001_VALUES
from wms_tui.domain.locations import ValuationGroup, location_barcode
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound import counting, kits, purchasing, receiving, transfers
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.services.inbound.transfers import TransferLineInput
from wms_tui.services.outbound import allocation, customers, orders, picking
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders, queries
from wms_tui.store.ledger import Ledger, MoveRequest
from wms_tui.store.models import CostLayer, Location, StockBalance, StockMove
from wms_tui.store.session import transaction


def _valuation(engine) -> dict[str, Decimal]:
    with engine.connect() as conn:
        return {line.name: line.value for line in queries.valuation(conn).lines}


def _value_at(engine, sku: str, location_code: str) -> tuple[Decimal, Decimal]:
    with transaction(engine) as session:
        item, location = finders.item_by_sku(session, sku), finders.location_by_code(session, location_code)
        rows = session.exec(select(StockBalance).where(StockBalance.item_id == item.id, StockBalance.location_id == location.id)).all()
        return sum((row.quantity for row in rows), Decimal(0)), sum((row.value for row in rows), Decimal(0))


def _receive(engine, lines: list[PurchaseLineInput], warehouse: str = "WH1") -> None:
    with transaction(engine) as session:
        po = purchasing.create_purchase_order(session, "ACME", warehouse, lines)
        receipt = receiving.start_receipt(session, po.number)
        for line in lines:
            receiving.receive_scan(session, CTX, receipt.number, line.sku, count=line.quantity, today=TODAY)


def _deliver(engine, number: str, sku: str, quantity: str, warehouse_id: int) -> None:
    """A one-step delivery: the order is confirmed, allocated and picked straight to the customer."""
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", [LineInput(sku, quantity, "90")], number=number)
        orders.confirm_order(session, number, today=TODAY)
        allocation.allocate(session, [number], today=TODAY)
        for task in tasks.open_queue(session, warehouse_id, TaskKind.PICK):
            tasks.claim_task(session, task.id, CTX.operator)
            bin_code = session.get(Location, task.location_id).code
            picking.confirm_pick(session, CTX, task.id, location_scan=location_barcode(bin_code), item_scan=sku,
                                 packages=task.quantity, today=TODAY)


def _setup(engine, *items: tuple[str, str, str]) -> dict:
    """Warehouses WH1 and WH2 (one-step receipts and deliveries), supplier ACME, customer C1,
    and the items (sku, standard cost, costing method)."""
    with transaction(engine) as session:
        wh1 = catalog.create_warehouse(session, "WH1", "Warehouse 1")
        wh2 = catalog.create_warehouse(session, "WH2", "Warehouse 2")
        bins = [catalog.add_bin(session, wh1.zones["STOCK"], f"A-{n}", pick_sequence=n).code for n in (1, 2)]
        for sku, cost, method in items:
            catalog.create_item(session, sku, sku.title(), standard_cost=cost, costing_method=method)
        purchasing.register_supplier(session, "ACME", "Acme Supplies")
        customers.create_customer(session, "C1", "Customer One", ship_to=customers.ShipTo("Customer One", "Main St 1"))
        return {"wh1": wh1.warehouse.id, "wh2": wh2.warehouse.id, "stock": wh1.zones["STOCK"].code, "bins": bins}


def test_reference_001_location_value_table_through_the_services(engine):
    """Standard costing. Bicycles (50), wheels (12.50) and frames (25) are bought at their
    standard cost; a cargo bike kit (100) is built from 2 wheels and a frame (50 of parts), so
    building 20 creates $1,000 of value, which Manufacturing shows as -$1,000."""
    world = _setup(engine, ("BIKE", "50", "standard"), ("CARGO", "100", "standard"),
                   ("WHEEL", "12.50", "standard"), ("FRAME", "25", "standard"))
    stock = world["stock"]
    with transaction(engine) as session:
        kits.define_kit(session, "CARGO", [("WHEEL", "2"), ("FRAME", "1")])
    # Receipts: 49 bicycles, 40 wheels and 20 frames ($3,450).
    _receive(engine, [PurchaseLineInput("BIKE", "49", "50"), PurchaseLineInput("WHEEL", "40", "12.50"),
                      PurchaseLineInput("FRAME", "20", "25")])
    # Drop-ship: 1 bicycle from the supplier straight to a customer ($50). No service posts a
    # drop-ship yet, so the ledger's move is posted as the route describes it.
    with transaction(engine) as session:
        bike = finders.item_by_sku(session, "BIKE").id
        suppliers, customers_id = (finders.location_by_code(session, code).id for code in ("SUPPLIERS", "CUSTOMERS"))
    Ledger(engine, CTX).post([MoveRequest(bike, suppliers, customers_id, "1", unit_cost="50", reason=MoveReason.SHIP)])
    # Manufacturing: 20 cargo bikes built from 40 wheels and 20 frames.
    with transaction(engine) as session:
        built = kits.build_kits(session, CTX, "CARGO", "20", stock)
    assert (built.unit_cost, built.value) == (Decimal(100), Decimal(2000))
    # Delivery: 39 bicycles ($1,950; with the drop-ship, $2,000 at Customers).
    _deliver(engine, "SO-1", "BIKE", "39", world["wh1"])
    # Inter-warehouse: 4 cargo bikes arrive in Warehouse 2, 6 more are still in transit.
    with transaction(engine) as session:
        arrived = transfers.create_transfer(session, "WH1", "WH2", [TransferLineInput("CARGO", "4", stock)])
        transfers.ship_transfer(session, CTX, arrived.number)
        transfers.receive_transfer(session, CTX, arrived.number)
        underway = transfers.create_transfer(session, "WH1", "WH2", [TransferLineInput("CARGO", "6", stock)])
        transfers.ship_transfer(session, CTX, underway.number)
    # Scrap: 1 bicycle and 5 cargo bikes ($550).
    with transaction(engine) as session:
        counting.scrap(session, CTX, "BIKE", stock, "1", "damaged")
        counting.scrap(session, CTX, "CARGO", stock, "5", "damaged")
    # Inventory loss: a count finds 2 bicycles where 9 should be ($350); the 5 cargo bikes are there.
    with transaction(engine) as session:
        [task_id] = counting.plan_cycle_count(session, "WH1", [stock], recount_threshold="10").task_ids
        tasks.claim_task(session, task_id, CTX.operator)
        counted = {"BIKE": "2", "CARGO": "5", "WHEEL": "0", "FRAME": "0"}
        for line in counting.count_sheet(session, task_id):
            counting.record_count(session, CTX, task_id, line.line_id, counted[line.sku], reason="missing")

    assert _valuation(engine) == REFERENCE_001_VALUES  # bought at standard cost: no Price Variance
    with engine.connect() as conn:
        assert queries.valuation(conn).groups == {
            ValuationGroup.PHYSICAL: Decimal(1000), ValuationGroup.PARTNER: Decimal(-1500), ValuationGroup.VIRTUAL: Decimal(500),
        }
    assert _value_at(engine, "WHEEL", stock) == (Decimal(0), Decimal(0))  # all went into the kits
    check_values(engine)


def test_standard_cost_keeps_the_purchase_price_variance_apart(engine):
    """The issue's example: 10 received at 2.40 and picked while the standard is 2.50 left
    Warehouse 1 at -1.00 holding nothing. Under standard costing every stock move carries 2.50;
    the supplier is owed 24.00 and the 1.00 favourable variance shows under Price Variance."""
    world = _setup(engine, ("W-1", "2.50", "standard"))
    _receive(engine, [PurchaseLineInput("W-1", "10", "2.40")])
    _deliver(engine, "SO-1", "W-1", "10", world["wh1"])
    values = _valuation(engine)
    assert (values["Warehouse 1"], values["Suppliers"], values["Customers"], values["Price Variance"]) == (
        Decimal(0), Decimal("-24"), Decimal(25), Decimal(-1),
    )
    with engine.connect() as conn:
        costs = conn.execute(select(StockMove.unit_cost).where(StockMove.reason == MoveReason.PICK)).scalars().all()
    assert costs == [Decimal("2.50")]
    check_values(engine)


def test_average_cost_per_warehouse(engine):
    """AVCO: 10 at 2.40 put in bin A-1, then 10 at 2.60 received: Warehouse 1's average is 2.50,
    and bin A-1 is revalued to it. Selling 15 carries 2.50; the 5 left are worth 12.50; selling
    them leaves every bin at exactly 0."""
    world = _setup(engine, ("W-1", "2.00", "average"))
    first_bin, stock = world["bins"][0], world["stock"]
    _receive(engine, [PurchaseLineInput("W-1", "10", "2.40")])
    with transaction(engine) as session:  # moved to the bin: the value follows the goods
        item, source, target = (finders.item_by_sku(session, "W-1"), finders.location_by_code(session, stock),
                                finders.location_by_code(session, first_bin))
    Ledger(engine, CTX).post([MoveRequest(item.id, source.id, target.id, "10", reason=MoveReason.PUTAWAY)])
    assert _value_at(engine, "W-1", first_bin) == (Decimal(10), Decimal(24))
    _receive(engine, [PurchaseLineInput("W-1", "10", "2.60")])
    assert _value_at(engine, "W-1", first_bin) == (Decimal(10), Decimal(25))  # revalued to the average
    assert _value_at(engine, "W-1", stock) == (Decimal(10), Decimal(25))
    assert _valuation(engine)["Suppliers"] == Decimal(-50)  # owed what was paid
    _deliver(engine, "SO-1", "W-1", "15", world["wh1"])
    values = _valuation(engine)
    assert (values["Warehouse 1"], values["Customers"], values["Price Variance"]) == (Decimal("12.5"), Decimal("37.5"), Decimal(0))
    _deliver(engine, "SO-2", "W-1", "5", world["wh1"])
    assert _valuation(engine)["Warehouse 1"] == Decimal(0)
    check_values(engine)


def test_fifo_takes_the_oldest_layers_and_splits_a_move_across_two(engine):
    """FIFO: 10 at 2.00 then 10 at 3.00. A sale of 15 takes the first layer whole and 5 of the
    second (20.00 + 15.00 = 35.00, as two moves at their own costs); the 5 left are worth 15.00,
    the cost of the newest layer."""
    world = _setup(engine, ("W-1", "1.00", "fifo"))
    _receive(engine, [PurchaseLineInput("W-1", "10", "2.00")])
    _receive(engine, [PurchaseLineInput("W-1", "10", "3.00")])
    assert _valuation(engine)["Warehouse 1"] == Decimal(50)
    _deliver(engine, "SO-1", "W-1", "15", world["wh1"])
    with engine.connect() as conn:
        sold = conn.execute(
            select(StockMove.quantity, StockMove.unit_cost).where(StockMove.reason == MoveReason.PICK).order_by(StockMove.sequence)
        ).all()
        layers = conn.execute(select(CostLayer.quantity, CostLayer.value)).all()
    assert [tuple(row) for row in sold] == [(Decimal(10), Decimal(2)), (Decimal(5), Decimal(3))]
    assert [tuple(row) for row in layers] == [(Decimal(5), Decimal(15))]
    values = _valuation(engine)
    assert (values["Warehouse 1"], values["Customers"], values["Price Variance"]) == (Decimal(15), Decimal(35), Decimal(0))
    _deliver(engine, "SO-2", "W-1", "5", world["wh1"])
    assert _valuation(engine)["Warehouse 1"] == Decimal(0)
    check_values(engine)


def test_a_value_no_single_unit_cost_gives_is_carried_by_two_moves(engine):
    """AVCO: 1 unit bought at 3.3333 and 2 at 3.3334 are worth 10.0001, which no unit cost times
    3 gives. Selling all 3 takes exactly 10.0001, as 2 at 3.3333 and 1 at 3.3335, and the
    warehouse is left worth 0."""
    world = _setup(engine, ("W-1", "3", "average"))
    _receive(engine, [PurchaseLineInput("W-1", "1", "3.3333")])
    _receive(engine, [PurchaseLineInput("W-1", "2", "3.3334")])
    assert _valuation(engine)["Warehouse 1"] == Decimal("10.0001")
    _deliver(engine, "SO-1", "W-1", "3", world["wh1"])
    with engine.connect() as conn:
        sold = conn.execute(
            select(StockMove.quantity, StockMove.unit_cost).where(StockMove.reason == MoveReason.PICK).order_by(StockMove.sequence)
        ).all()
    assert [tuple(row) for row in sold] == [(Decimal(2), Decimal("3.3333")), (Decimal(1), Decimal("3.3335"))]
    values = _valuation(engine)
    assert (values["Warehouse 1"], values["Customers"]) == (Decimal(0), Decimal("10.0001"))
    check_values(engine)

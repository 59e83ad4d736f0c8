"""The location-value table of reference 001, rebuilt from moves and read back exactly."""

from decimal import Decimal

from wms_tui.domain.locations import ValuationGroup
from wms_tui.domain.reasons import MoveReason
from wms_tui.services import catalog
from wms_tui.store import queries
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.session import transaction

# Reference 001's location-value table, with the Price Variance line (nothing bought off standard).
REFERENCE_001_VALUES = {
    "Warehouse 1": Decimal(600),
    "Warehouse 2": Decimal(400),
    "Customers": Decimal(2000),
    "Suppliers": Decimal(-3500),
    "Transit Location": Decimal(600),
    "Initial Inventory": Decimal(0),
    "Inventory Loss": Decimal(350),
    "Scrapped": Decimal(550),
    "Manufacturing": Decimal(-1000),
    "Price Variance": Decimal(0),
}


def test_reference_location_value_table(engine):
    with transaction(engine) as session:
        wh1 = catalog.create_warehouse(session, "WH1", "Warehouse 1")
        wh2 = catalog.create_warehouse(session, "WH2", "Warehouse 2")
        bike = catalog.create_item(session, "BIKE", "Bicycle", standard_cost="50")
        cargo = catalog.create_item(session, "CARGO", "Cargo bike", standard_cost="100")
        wheel = catalog.create_item(session, "WHEEL", "Wheel", standard_cost="12.50")
        frame = catalog.create_item(session, "FRAME", "Frame", standard_cost="25")
        loc = {code: catalog.shared_location(session, code).id for code in catalog.SHARED_LOCATIONS}
        stock1, stock2, transit2 = wh1.zones["STOCK"].id, wh2.zones["STOCK"].id, wh2.transit.id
        ids = {"bike": bike.id, "cargo": cargo.id, "wheel": wheel.id, "frame": frame.id}

    ledger = Ledger(engine, PostingContext("T1", "controller"))

    def move(item, source, target, quantity, **kwargs):
        return MoveRequest(ids[item], source, target, str(quantity), **kwargs)

    # Receipts: 50 bicycles, 40 wheels and 20 frames from suppliers ($3,500).
    ledger.post([
        move("bike", loc["SUPPLIERS"], stock1, 50),
        move("wheel", loc["SUPPLIERS"], stock1, 40),
        move("frame", loc["SUPPLIERS"], stock1, 20),
    ])
    # Manufacturing: the components go in ($1,000), 20 cargo bikes come out ($2,000).
    ledger.post([
        move("wheel", stock1, loc["PRODUCTION"], 40),
        move("frame", stock1, loc["PRODUCTION"], 20),
        move("cargo", loc["PRODUCTION"], stock1, 20),
    ])
    # Delivery to customers: 40 bicycles ($2,000).
    ledger.post([move("bike", stock1, loc["CUSTOMERS"], 40)])
    # Inter-warehouse: 10 cargo bikes leave Warehouse 1, 4 have arrived in Warehouse 2.
    ledger.post([move("cargo", stock1, transit2, 10)])
    ledger.post([move("cargo", transit2, stock2, 4)])
    # Count difference: 7 bicycles missing ($350). Scrap: 1 bicycle and 5 cargo bikes ($550).
    ledger.post([move("bike", stock1, loc["INVENTORY-LOSS"], 7, reason=MoveReason.CYCLE_COUNT)])
    ledger.post([move("bike", stock1, loc["SCRAP"], 1), move("cargo", stock1, loc["SCRAP"], 5)])
    # An opening-stock entry made by mistake and reversed: Initial Inventory nets to $0.
    [mistake] = ledger.post([move("bike", loc["OPENING"], stock1, 2)])
    ledger.reverse([mistake.id], reason=MoveReason.CORRECTION)

    with engine.connect() as conn:
        report = queries.valuation(conn)
    values = {line.name: line.value for line in report.lines}
    assert values == REFERENCE_001_VALUES
    assert report.groups == {
        ValuationGroup.PHYSICAL: Decimal(1000),
        ValuationGroup.PARTNER: Decimal(-1500),
        ValuationGroup.VIRTUAL: Decimal(500),
    }
    assert report.total == 0
    with engine.connect() as conn:
        assert set(queries.item_balance_totals(conn).values()) == {Decimal(0)}
        assert queries.warehouse_quantities(conn, ids["cargo"], wh2.warehouse.id).in_transit == Decimal(6)

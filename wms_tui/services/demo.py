"""A realistic demo warehouse: zones and bins, a few hundred items, lots with expiry, opening
stock, open sales and purchase orders. Deterministic (seeded) so screenshots and demos repeat."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from biip.checksums import gs1_standard_check_digit
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from wms_tui.domain.errors import NotFound
from wms_tui.domain.items import UNIT_PACKAGING, Tracking
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import BackorderPolicy
from wms_tui.domain.quantities import display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services import catalog
from wms_tui.services.inbound.purchasing import (
    PurchaseLineInput,
    create_purchase_order,
    register_supplier,
)
from wms_tui.services.operators import create_operator
from wms_tui.services.outbound.allocation import allocate, batch_orders
from wms_tui.services.outbound.customers import ShipTo, create_customer
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import Item, ItemBarcode, Location, StockBalance, Task
from wms_tui.store.session import transaction

COMPANY_PREFIX = "4006381"  # demo GS1 company prefix: GTIN-13 = prefix + 5-digit item ref + check
ADJECTIVES = ("Heavy-duty", "Compact", "Stainless", "Organic", "Premium", "Eco", "Industrial", "Mini", "Large", "Cordless")
PRODUCTS = (
    "Pallet wrap", "Carton sealer", "Label roll", "Hand truck", "Safety glove", "Hi-vis vest", "Cable tie",
    "Bubble mailer", "Olive oil 1l", "Coffee beans 1kg", "Oat milk 1l", "Dog food 5kg", "Tomato passata",
    "LED bulb", "Drill bit set", "Wood screw box", "Paint roller", "Storage bin", "Shelf bracket", "Rain jacket",
)
PERISHABLE = {"Olive oil 1l", "Coffee beans 1kg", "Oat milk 1l", "Dog food 5kg", "Tomato passata"}
AISLES = "ABCDEF"
BAYS = 10
LEVELS = 4
DEMO_TERMINAL = "DEMO"
# Badge, id, name, role: each signs in by scanning the badge (or typing the id), then PIN 4711.
DEMO_OPERATORS = (
    ("BADGE-0001", "PICK1", "Pat Picker", "picker"),
    ("BADGE-0002", "PACK1", "Paula Packer", "packer"),
    ("BADGE-0003", "RECV1", "Rick Receiver", "receiver"),
    ("BADGE-0004", "SHIP1", "Sam Shipper", "shipper"),
    ("BADGE-0009", "SUP1", "Sue Supervisor", "supervisor"),
)
DEMO_PIN = "4711"
DEMO_STEPS = 5  # progress messages build_demo gives


@dataclass(frozen=True)
class DemoSummary:
    items: int
    bins: int
    lots: int
    opening_moves: int
    sales_orders: int
    purchase_orders: int


def gtin13(item_ref: int) -> str:
    body = f"{COMPANY_PREFIX}{item_ref:05d}"
    return body + str(gs1_standard_check_digit(body))


def gtin14_case(item_ref: int) -> str:
    body = f"1{COMPANY_PREFIX}{item_ref:05d}"
    return body + str(gs1_standard_check_digit(body))


def build_demo(engine: Engine, *, items: int = 400, seed: int = 7, progress: Callable[[str], None] | None = None) -> DemoSummary:
    """Fill an empty, migrated database with the demo warehouse."""
    rng = random.Random(seed)
    say = progress or (lambda _message: None)
    today = date.today()
    context = PostingContext(DEMO_TERMINAL, "demo")
    with transaction(engine) as session:
        say("Warehouse, zones and bins")
        wh = catalog.create_warehouse(session, "WH1", "Main Warehouse", receipt_steps=2, delivery_steps=3)
        catalog.create_warehouse(session, "WH2", "City Depot")
        bins = []
        sequence = 0
        for aisle in AISLES:
            for bay in range(1, BAYS + 1):
                for level in range(1, LEVELS + 1):
                    sequence += 1
                    bins.append(catalog.add_bin(session, wh.zones["STOCK"], f"{aisle}-{bay:02d}-{level}", pick_sequence=sequence))
        opening = catalog.shared_location(session, "OPENING")

        say(f"{items} items with barcodes and lots")
        moves: list[MoveRequest] = []
        lots = 0
        created = []
        for ref in range(1, items + 1):
            product = PRODUCTS[ref % len(PRODUCTS)]
            perishable = product in PERISHABLE
            cost = Decimal(rng.randint(50, 25000)).scaleb(-2)
            item = catalog.create_item(
                session,
                f"SKU-{ref:05d}",
                f"{ADJECTIVES[(ref // len(PRODUCTS)) % len(ADJECTIVES)]} {product} #{ref}",
                tracking=Tracking.LOT if perishable else Tracking.NONE,
                expiry_tracked=perishable,
                standard_cost=cost,
            )
            catalog.add_barcode(session, item, gtin13(ref))
            catalog.add_barcode(session, item, gtin14_case(ref), packaging="case", quantity=rng.choice((6, 12, 24)))
            created.append(item)
            if rng.random() < 0.15:
                continue  # some items are out of stock: back orders and purchases have a reason
            for bin_location in rng.sample(bins, rng.randint(1, 3)):
                lot_id = None
                if perishable:
                    # A few lots already expired: they must never be picked.
                    expiry = today + timedelta(days=rng.choice((-10, 20, 60, 120, 240)))
                    lot = catalog.get_or_create_lot(session, item, f"L{ref:05d}{expiry:%y%m%d}", expiry)
                    lots += 1
                    lot_id = lot.id
                moves.append(
                    MoveRequest(item.id, opening.id, bin_location.id, rng.randint(5, 200), lot_id=lot_id,
                                document_ref="OPENING", reason=MoveReason.OPENING_STOCK)
                )
        say(f"Opening stock: {len(moves)} moves")
        post_moves(session.connection(), moves, context)

        say(f"Operators (PIN {DEMO_PIN})")
        for badge, code, name, role in DEMO_OPERATORS:
            create_operator(session, code, name, role, badge=badge, pin=DEMO_PIN)

        say("Customers, suppliers and open orders")
        # Full ship-to addresses: the box labels and packing slips print them.
        customers = [
            create_customer(session, f"C{n:03d}", name, policy=policy,
                            ship_to=ShipTo(name, street, city, postcode, country)).code
            for n, (name, policy, street, postcode, city, country) in enumerate(
                (
                    ("Northwind Traders", BackorderPolicy.BACKORDER_REST, "12 Harbour Road", "EH6 6QS", "Edinburgh", "GB"),
                    ("Contoso Retail", BackorderPolicy.CANCEL_REST, "Hauptstrasse 5", "80331", "Munich", "DE"),
                    ("Fabrikam Stores", BackorderPolicy.SHIP_COMPLETE, "Rue de Lyon 40", "75012", "Paris", "FR"),
                    ("Tailspin Outdoor", BackorderPolicy.BACKORDER_REST, "Kerkstraat 9", "1017 GB", "Amsterdam", "NL"),
                    ("Alpine Ski House", BackorderPolicy.BACKORDER_ALL, "Dorfplatz 2", "6020", "Innsbruck", "AT"),
                ),
                1,
            )
        ]
        suppliers = [
            register_supplier(session, f"S{n:03d}", name, lead_time_days=days).code
            for n, (name, days) in enumerate((("Acme Packaging", 3), ("Global Foods BV", 5), ("Tooling GmbH", 10)), 1)
        ]
        now = datetime.now(UTC)
        numbers = []
        for number in range(1, 21):
            lines = [
                LineInput(item.sku, rng.randint(1, 20), unit_price=(item.standard_cost * Decimal("1.4")).quantize(Decimal("0.01")))
                for item in rng.sample(created, rng.randint(1, 5))
            ]
            order = create_order(session, rng.choice(customers), "WH1", lines, created_at=now - timedelta(hours=number))
            numbers.append(order.number)
        # Most orders are confirmed (stock committed, pick tasks waiting); a few stay drafts.
        confirm_orders(session, numbers[:16])
        # Twelve are allocated (pick tasks queued); three of them form a cluster-pick batch.
        allocate(session, numbers[:12])
        with_tasks = set(session.exec(select(Task.document_ref).where(Task.kind == TaskKind.PICK.value)).all())
        batch_orders(session, [n for n in numbers[:12] if n in with_tasks][:3], ["TOTE-01", "TOTE-02", "TOTE-03"], "BATCH-1")
        purchase_orders = 5
        for _ in range(purchase_orders):
            lines = [
                PurchaseLineInput(item.sku, rng.randint(10, 100), expected_date=today + timedelta(days=rng.randint(1, 14)))
                for item in rng.sample(created, rng.randint(3, 10))
            ]
            create_purchase_order(session, rng.choice(suppliers), "WH1", lines)
        return DemoSummary(items, len(bins), lots, len(moves), len(numbers), purchase_orders)


@dataclass(frozen=True)
class DemoPick:
    """What the central demo has the newcomer pick on a terminal: the first line of an order
    whose picks central leased to it, whole, from a bin, of an item without lots and not in a
    cluster batch (so the screen asks only bin, item, quantity and tote)."""

    order: str
    bin_scan: str
    sku: str
    item_scan: str
    quantity: str
    in_bin: str  # the bin's units of the item before the pick
    left: str  # and after it


def pick_to_show(session: Session, terminal_id: str) -> DemoPick:
    """The pick for the central demo among the tasks leased to `terminal_id` (its database)."""
    open_picks = session.exec(
        select(Task, Item.tracking).join(Item, Item.id == Task.item_id)
        .where(Task.kind == TaskKind.PICK.value, Task.state == TaskState.OPEN.value)
        .order_by(Task.queue_position, Task.id)
    ).all()
    first_of_order: dict[str, tuple[Task, Tracking]] = {}
    for task, tracking in open_picks:
        first_of_order.setdefault(task.document_ref, (task, tracking))
    for task, tracking in first_of_order.values():
        if task.leased_to == terminal_id and task.batch_ref is None and tracking == Tracking.NONE and task.quantity > 1:
            in_bin = session.exec(select(func.sum(StockBalance.quantity)).where(
                StockBalance.location_id == task.location_id, StockBalance.item_id == task.item_id)).one()
            gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == task.item_id,
                                                                  ItemBarcode.packaging == UNIT_PACKAGING)).first()
            return DemoPick(task.document_ref, location_barcode(session.get(Location, task.location_id).code), session.get(Item, task.item_id).sku,
                            gtin, display(task.quantity), display(in_bin), display(in_bin - task.quantity))
    raise NotFound(f"no whole-line pick leased to {terminal_id} of an item without lots, outside a batch")

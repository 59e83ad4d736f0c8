"""`wms-tui bench inbound`: receiving a large PO scan by scan (each scan its own durable commit,
on the terminal's SQLite ledger) and computing purchase suggestions for many items."""

from __future__ import annotations

import json
import random
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import click
from sqlalchemy import insert, select
from stdnum import ean

from wms_tui.bench.ledger import percentile
from wms_tui.domain.items import Tracking
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.states import PartnerKind, ReorderRuleKind
from wms_tui.services import catalog
from wms_tui.services.inbound import purchasing, receiving, replenishment
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.store import finders, migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import (
    Item,
    ItemBarcode,
    Partner,
    ReorderRule,
    SalesOrder,
    SalesOrderLine,
    SupplierItem,
)
from wms_tui.store.session import transaction

CONTEXT = PostingContext("BENCH", "bench")
POSTING_BATCH = 5000


def _warehouse(engine, bins: int) -> None:
    with transaction(engine) as session:
        wh = catalog.create_warehouse(session, "WH1", "Bench", receipt_steps=2)
        for n in range(bins):
            catalog.add_bin(session, wh.zones["STOCK"], f"B{n:04d}", pick_sequence=n)
        purchasing.register_supplier(session, "SUP", "Bench supplier")


def _gtin(first_body: int, n: int) -> str:
    body = str(first_body + n)
    return body + ean.calc_check_digit(body)


def _receive_po(engine, prefix: str, first_gtin: int, lines: int) -> list[float]:
    """Milliseconds per scan: a PO of `lines` items, each received with one GTIN scan."""
    with transaction(engine) as session:
        for n in range(lines):
            item = catalog.create_item(session, f"{prefix}{n:05d}", f"Received {n}", standard_cost="1")
            catalog.add_barcode(session, item, _gtin(first_gtin, n))
        order = purchasing.create_purchase_order(
            session, "SUP", "WH1", [PurchaseLineInput(f"{prefix}{n:05d}", "10", "1.10") for n in range(lines)]
        )
        receipt = receiving.start_receipt(session, order.number)
    timings = []
    for n in range(lines):
        start = time.perf_counter()
        with transaction(engine) as session:
            receiving.receive_scan(session, CONTEXT, receipt.number, _gtin(first_gtin, n), count="10")
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def bench_receiving(engine, lines: int, warmup: int) -> list[float]:
    """A small PO first, as a terminal that has been running a while: its first scans compile
    and cache the SQL statements. Then the measured PO."""
    _receive_po(engine, "W", 410000000000, warmup)
    return _receive_po(engine, "R", 400000000000, lines)


def _seed_replenishment(engine, items: int, seed: int) -> None:
    """Many items with purchase rules, stock, open demand and open purchase lines. Master data is
    bulk-inserted; stock still goes through the ledger."""
    rng = random.Random(seed)
    with transaction(engine) as session:
        conn = session.connection()
        supplier_id = finders.supplier_by_code(session, "SUP").id
        stock = finders.location_by_code(session, "WH1/STOCK")
        opening = catalog.shared_location(session, "OPENING")
        conn.execute(insert(Item), [
            {"sku": f"P{n:06d}", "name": f"Planned {n}", "uom": "pc", "tracking": Tracking.NONE, "expiry_tracked": False,
             "is_stock": True, "buy_to_order": False, "standard_cost": Decimal(1), "active": True}
            for n in range(items)
        ])
        ids = list(conn.execute(select(Item.id).where(Item.sku.like("P%")).order_by(Item.id)).scalars())
        conn.execute(insert(ReorderRule), [
            {"item_id": i, "location_id": stock.id, "kind": ReorderRuleKind.PURCHASE, "min_quantity": Decimal(20),
             "max_quantity": Decimal(100), "supplier_id": None}
            for i in ids
        ])
        conn.execute(insert(SupplierItem), [
            {"supplier_id": supplier_id, "item_id": i, "unit_price": Decimal("0.90"), "priority": 0} for i in ids
        ])
        conn.execute(insert(ItemBarcode), [
            {"item_id": i, "barcode": f"P{i}", "packaging": "unit", "quantity": Decimal(1)} for i in ids[:10]
        ])
        moves = [MoveRequest(i, opening.id, stock.id, str(rng.randint(1, 60))) for i in ids]
        for start in range(0, len(moves), POSTING_BATCH):
            post_moves(conn, moves[start : start + POSTING_BATCH], CONTEXT)
        customer = Partner(code="CUST", name="Bench customer", kind=PartnerKind.CUSTOMER)
        session.add(customer)
        session.flush()
        order = SalesOrder(number="SO-BENCH", customer_id=customer.id, warehouse_id=stock.warehouse_id,
                           state=OrderState.CONFIRMED, created_at=datetime.now(UTC))
        session.add(order)
        session.flush()
        conn.execute(insert(SalesOrderLine), [
            {"order_id": order.id, "item_id": i, "quantity": Decimal(8), "committed_quantity": Decimal(5),
             "backordered_quantity": Decimal(3), "unit_price": Decimal(2)}
            for i in rng.sample(ids, len(ids) // 4)
        ])
    with transaction(engine) as session:
        purchasing.create_purchase_order(
            session, "SUP", "WH1", [PurchaseLineInput(f"P{n:06d}", "15") for n in rng.sample(range(items), items // 10)]
        )


def run(lines: int = 500, items: int = 20_000, bins: int = 200, warmup: int = 20, seed: int = 1) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        engine = make_engine(sqlite_url(Path(workdir) / "inbound.db"))
        migrate.upgrade(engine)
        _warehouse(engine, bins)
        timings = bench_receiving(engine, lines, warmup)
        _seed_replenishment(engine, items, seed)
        start = time.perf_counter()
        with transaction(engine) as session:
            suggestions = replenishment.purchase_suggestions(session, "WH1")
        elapsed = time.perf_counter() - start
        engine.dispose()
    return {
        "receive_lines": lines,
        "warmup_scans": warmup,
        "receive_scan_p50_ms": round(percentile(timings, 0.50), 2),
        "receive_scan_p99_ms": round(percentile(timings, 0.99), 2),
        "receive_scan_max_ms": round(max(timings), 2),
        "bins": bins,
        "replenishment_items": items,
        "replenishment_s": round(elapsed, 3),
        "suggestions": len(suggestions),
        "database": "sqlite",
    }


@click.command("inbound")
@click.option("--lines", default=500, show_default=True, help="Lines on the purchase order received scan by scan.")
@click.option("--items", default=20_000, show_default=True, help="Items with reorder rules for the suggestion run.")
@click.option("--bins", default=200, show_default=True, help="Stock bins the putaway suggestion considers.")
def bench_inbound(lines: int, items: int, bins: int) -> None:
    """Receiving scan latency and replenishment suggestion time."""
    click.echo(json.dumps(run(lines, items, bins)))

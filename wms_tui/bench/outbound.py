"""`wms-tui bench outbound`: confirm and allocate 1,000 orders x 5 lines against 50,000
balances with their pick tasks, then the end-to-end latency of one pick confirm (one scan)."""

from __future__ import annotations

import json
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from sqlmodel import select

from wms_tui.domain.items import Tracking
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.outbound import allocation, customers, orders, picking
from wms_tui.store import finders, migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import Item, ItemBarcode, Location, SalesOrder, SalesOrderLine
from wms_tui.store.session import transaction

CONTEXT = PostingContext("BENCH", "bench")


def _seed(engine, items: int, bins: int, orders_count: int, lines_per_order: int, rng: random.Random) -> list[str]:
    with transaction(engine) as session:
        warehouse = catalog.create_warehouse(session, "BW", "Bench", delivery_steps=2)
        stock = warehouse.zones["STOCK"]
        bin_ids = [catalog.add_bin(session, stock, f"B{n:04d}", pick_sequence=n).id for n in range(bins)]
        supplier = catalog.shared_location(session, "SUPPLIERS")
        session.execute(Item.__table__.insert(), [
            {"sku": f"SKU{n:05d}", "name": f"Item {n}", "uom": "pc", "tracking": Tracking.NONE, "expiry_tracked": False,
             "is_stock": True, "buy_to_order": False, "standard_cost": 1, "active": True}
            for n in range(items)
        ])
        item_ids = list(session.exec(select(Item.id).order_by(Item.id)))
        session.execute(ItemBarcode.__table__.insert(), [
            {"item_id": item_id, "barcode": f"20{item_id:011d}", "packaging": "unit", "quantity": 1} for item_id in item_ids
        ])
        post_moves(session.connection(), [
            MoveRequest(item_id, supplier.id, bin_id, rng.randint(5, 40)) for item_id in item_ids for bin_id in bin_ids
        ], CONTEXT)
        customers.create_customer(session, "BENCH", "Bench customer")
        start = datetime.now(UTC) - timedelta(days=1)
        session.execute(SalesOrder.__table__.insert(), [
            {"number": f"B-{n:05d}", "customer_id": 1, "warehouse_id": warehouse.warehouse.id, "state": OrderState.DRAFT,
             "created_at": start + timedelta(seconds=n), "freight": 0}
            for n in range(orders_count)
        ])
        order_ids = dict(session.execute(select(SalesOrder.number, SalesOrder.id)).all())
        session.execute(SalesOrderLine.__table__.insert(), [
            {"order_id": order_id, "item_id": item_id, "quantity": rng.randint(1, 5), "unit_price": 2}
            for order_id in order_ids.values() for item_id in rng.sample(item_ids, lines_per_order)
        ])
        return sorted(order_ids)


def run(orders_count: int = 1000, lines_per_order: int = 5, items: int = 1000, bins: int = 50, picks: int = 300) -> dict:
    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(sqlite_url(Path(tmp) / "bench.db"))
        migrate.upgrade(engine)
        numbers = _seed(engine, items, bins, orders_count, lines_per_order, rng)
        started = time.perf_counter()
        with transaction(engine) as session:
            orders.confirm_orders(session, numbers)
            result = allocation.allocate(session, numbers)
        allocate_s = time.perf_counter() - started
        with transaction(engine) as session:
            warehouse_id = finders.warehouse_by_code(session, "BW").id
            queue = tasks.open_queue(session, warehouse_id, TaskKind.PICK)[:picks]
            scans = []
            for task in queue:
                tasks.claim_task(session, task.id, CONTEXT.operator)
                location = session.get(Location, task.location_id)
                scans.append((task.id, location_barcode(location.code), f"20{task.item_id:011d}", task.quantity))
        samples = []
        for task_id, location_scan, item_scan, quantity in scans:
            begin = time.perf_counter()
            with transaction(engine) as session:
                picking.confirm_pick(session, CONTEXT, task_id, location_scan=location_scan, item_scan=item_scan, packages=quantity)
            samples.append((time.perf_counter() - begin) * 1000)
        engine.dispose()
    samples.sort()
    return {
        "allocate_orders_s": round(allocate_s, 3),
        "pick_confirm_p99_ms": round(samples[max(0, int(len(samples) * 0.99) - 1)], 2),
        "pick_confirm_median_ms": round(statistics.median(samples), 2),
        "orders": orders_count,
        "lines_per_order": lines_per_order,
        "balances": items * bins,
        "pick_tasks": len(result.task_ids),
        "picks_measured": len(samples),
        "database": "sqlite",
    }


@click.command("outbound")
@click.option("--orders", "orders_count", default=1000, show_default=True)
@click.option("--lines", "lines_per_order", default=5, show_default=True)
@click.option("--picks", default=300, show_default=True, help="pick confirms to time")
def bench_outbound(orders_count: int, lines_per_order: int, picks: int) -> None:
    """Confirm + allocate orders and time pick confirms; prints one JSON object."""
    click.echo(json.dumps(run(orders_count, lines_per_order, picks=picks)))

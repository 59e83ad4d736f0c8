"""`wms-tui bench console`: the supervisor console over the demo warehouse grown to 100,000
orders and 1,000,000 moves.

- `dashboard_refresh_p99_ms`: the dashboard read and redrawn (what its timer does every 2 s).
- `search_p99_ms`: the order list filtered or searched (customer, order number, SKU, status),
  until the first page of matches (what fits the screen; the list loads more as it is paged
  through) is drawn.
- `order_open_p99_ms`: an order opened as Enter on the list opens it (read, then its page shown)
  until the page is drawn with its lines.
- `console_start_s`: `wms-tui console` on a 120x40 pseudo-terminal until the dashboard shows
  its first figures (median of several starts).
- `rss_mb`: resident memory of the console after the timed work.
- `build_s`: how long building the warehouse took (not a target; it is built once per run,
  or once into `--database FILE` and reused by the next runs given the same file: then null).
Orders are written in bulk (Core inserts): most are history (closed, shipped, invoiced and
paid), a few thousand still being worked, some drafts, quotes and cancelled ones. The ledger
history is posted like `bench ui` does (receipts into bins, without a reason), so it is as
large as the figure says but does not count as today's picks or receipts.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import click
from sqlalchemy import func, insert
from sqlmodel import select

from wms_tui.bench.ui import cold_start
from wms_tui.domain.outbound import OrderState
from wms_tui.domain.states import InvoiceState, PaymentState
from wms_tui.services.demo import build_demo
from wms_tui.store import finders, migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import (
    Invoice,
    Item,
    Location,
    Partner,
    Payment,
    SalesOrder,
    SalesOrderLine,
)
from wms_tui.store.session import transaction

CONTEXT = PostingContext("BENCH", "bench")
MOVE_BATCH = 10_000
ORDER_BATCH = 5_000
# Share of the orders per state (the rest are closed history).
WORKING, DRAFTS, QUOTES, CANCELLED = 0.05, 0.03, 0.01, 0.01
READY_TEXT = b"partially paid"  # a row of "Orders by status": drawn once the first read is shown


def grow_ledger(engine, moves: int, rng: random.Random, progress) -> int:
    with transaction(engine) as session:
        bins = session.exec(select(Location.id).where(Location.code.startswith("WH1/STOCK/"))).all()
        items = session.exec(select(Item.id).where(Item.tracking == "none")).all()
        supplier = finders.location_by_code(session, "SUPPLIERS").id
    with engine.connect() as conn:
        posted = conn.exec_driver_sql("SELECT COUNT(*) FROM stock_move").scalar_one()
    while posted < moves:
        size = min(MOVE_BATCH, moves - posted)
        with engine.begin() as conn:
            post_moves(conn, [MoveRequest(rng.choice(items), supplier, rng.choice(bins), 1) for _ in range(size)], CONTEXT)
        posted += size
        progress(size)
    return posted


def _order_rows(number: int, order_id: int, line_id: int, invoice_id: int, state: OrderState, progress: str, customers, items, rng,
                now):
    """One order's rows: the order, its lines, and for shipped ones their invoice and payment."""
    created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
    order = {"id": order_id, "number": f"SO-{number:07d}", "customer_id": rng.choice(customers), "warehouse_id": 1,
             "state": state.value, "created_at": created, "freight": Decimal(0),
             "confirmed_at": created + timedelta(minutes=5) if state in (OrderState.CONFIRMED, OrderState.CLOSED) else None}
    lines = []
    total = Decimal(0)
    for item_id in rng.sample(items, rng.randint(1, 3)):
        quantity, price = Decimal(rng.randint(1, 20)), Decimal(rng.randint(100, 9999)).scaleb(-2)
        shipped = quantity if progress in ("shipped", "invoiced", "paid") else Decimal(0)
        picked = quantity if progress == "picked" else shipped
        committed = quantity if progress in ("open", "picked") else Decimal(0)
        cancelled = quantity if state is OrderState.CANCELLED else Decimal(0)
        lines.append({"id": line_id + len(lines), "order_id": order_id, "item_id": item_id, "quantity": quantity,
                      "committed_quantity": committed, "backordered_quantity": Decimal(0), "unit_price": price,
                      "discount_percent": Decimal(0), "tax_rate": Decimal(0), "cancelled_quantity": cancelled,
                      "picked_quantity": picked, "shipped_quantity": shipped})
        total += quantity * price
    invoice = payment = None
    if progress in ("invoiced", "paid"):
        issued = (created + timedelta(days=1)).date()
        invoice = {"id": invoice_id, "number": f"INV-{number:07d}", "order_id": order_id, "issued_on": issued,
                   "due_on": issued + timedelta(days=30), "subtotal": total, "tax_total": Decimal(0), "freight": Decimal(0),
                   "total": total, "state": InvoiceState.OPEN.value, "created_at": created + timedelta(days=1)}
        if progress == "paid":
            payment = {"invoice_id": invoice_id, "amount": total, "paid_on": issued + timedelta(days=20), "reference": "bank",
                       "state": PaymentState.POSTED.value, "created_at": created + timedelta(days=21)}
    return order, lines, invoice, payment


def add_orders(engine, count: int, rng: random.Random, progress) -> None:
    """`count` orders written in bulk beside the demo's."""
    with transaction(engine) as session:
        customers = session.exec(select(Partner.id).where(Partner.kind == "customer")).all()
        items = session.exec(select(Item.id).where(Item.active)).all()
        order_id = (session.exec(select(func.max(SalesOrder.id))).one() or 0) + 1
        line_id = (session.exec(select(func.max(SalesOrderLine.id))).one() or 0) + 1
        invoice_id = (session.exec(select(func.max(Invoice.id))).one() or 0) + 1
    now = datetime.now(UTC)
    kinds = ([(OrderState.CONFIRMED, p) for p in ("open", "open", "picked", "shipped", "invoiced", "paid")],
             [(OrderState.DRAFT, "none")], [(OrderState.QUOTE, "none")], [(OrderState.CANCELLED, "none")],
             [(OrderState.CLOSED, "paid")])
    weights = (WORKING, DRAFTS, QUOTES, CANCELLED, 1 - WORKING - DRAFTS - QUOTES - CANCELLED)
    written = 0
    while written < count:
        orders, lines, invoices, payments = [], [], [], []
        for _ in range(min(ORDER_BATCH, count - written)):
            state, stage = rng.choice(rng.choices(kinds, weights)[0])
            order, order_lines, invoice, payment = _order_rows(written + 1, order_id, line_id, invoice_id, state, stage, customers,
                                                               items, rng, now)
            orders.append(order)
            lines += order_lines
            invoices += [invoice] if invoice else []
            payments += [payment] if payment else []
            order_id += 1
            line_id += len(order_lines)
            invoice_id += invoice is not None
            written += 1
        with transaction(engine) as session:
            session.execute(insert(SalesOrder), orders)
            session.execute(insert(SalesOrderLine), lines)
            if invoices:
                session.execute(insert(Invoice), invoices)
            if payments:
                session.execute(insert(Payment), payments)
        progress(len(orders))


def build(folder: Path, orders: int, moves: int, progress) -> Path:
    path = folder / "wms.db"
    engine = make_engine(sqlite_url(path))
    migrate.upgrade(engine)
    build_demo(engine)
    rng = random.Random(14)
    grow_ledger(engine, moves, rng, progress)
    add_orders(engine, orders, rng, progress)
    # No ANALYZE: nothing runs it on a site's database, so the console must plan well without
    # statistics.
    engine.dispose()
    return path


def run(orders: int, moves: int, rounds: int, starts: int, progress, kept: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="wms-bench-console-") as tmp:
        folder = Path(tmp)
        build_s = None
        if kept is not None and kept.exists():
            database = kept
            engine = make_engine(sqlite_url(database))
            migrate.upgrade(engine)  # built by an older schema: brought up to date as a site's would be
            engine.dispose()
        else:
            started = time.perf_counter()
            database = build(folder, orders, moves, progress)
            build_s = round(time.perf_counter() - started, 1)
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                with closing(sqlite3.connect(database)) as built, closing(sqlite3.connect(kept)) as copy:
                    built.backup(copy)
        config = folder / "config.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{database}"\n[terminal]\nid = "DESK1"\nwarehouse = "WH1"\n')
        with make_engine(sqlite_url(database)).connect() as conn:
            counted = {table: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {table}").scalar_one() for table in ("stock_move", "sales_order")}
        starts_s = [cold_start(config, command=("console",), shown=READY_TEXT, size=(120, 40)) for _ in range(starts)]
        child = subprocess.run([sys.executable, "-m", "wms_tui.bench.console_child", str(config), str(rounds)],
                               capture_output=True, text=True, timeout=3600)
        if child.returncode != 0:
            raise click.ClickException(f"the console run failed (exit {child.returncode}): {child.stderr[-2000:]}")
        figures = json.loads(child.stdout.strip().splitlines()[-1])
    return {
        "dashboard_refresh_p99_ms": figures["dashboard_p99_ms"],
        "search_p99_ms": figures["search_p99_ms"],
        "order_open_p99_ms": figures["order_open_p99_ms"],
        "console_start_s": round(statistics.median(starts_s), 3),
        "rss_mb": figures["rss_mb"],
        "dashboard_refresh_median_ms": figures["dashboard_median_ms"],
        "search_median_ms": figures["search_median_ms"],
        "order_open_median_ms": figures["order_open_median_ms"],
        "console_start_max_s": round(max(starts_s), 3),
        "orders": counted["sales_order"],
        "ledger_moves": counted["stock_move"],
        "rounds": rounds,
        "console_starts": starts,
        "build_s": build_s,
    }


@click.command("console")
@click.option("--orders", default=100_000, show_default=True, help="Sales orders added to the demo warehouse.")
@click.option("--ledger-moves", default=1_000_000, show_default=True, help="Moves in the ledger.")
@click.option("--rounds", default=200, show_default=True, help="Timed refreshes, searches and order pages each.")
@click.option("--starts", default=5, show_default=True, help="Cold starts timed (median reported).")
@click.option("--database", "kept", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep the built warehouse in this SQLite file and reuse it when it exists (--orders and --ledger-moves "
                   "then do not apply): building 1,000,000 moves takes minutes. Runs only read it.")
def bench_console(orders: int, ledger_moves: int, rounds: int, starts: int, kept: Path | None) -> None:
    """Supervisor console: dashboard refresh, order search, order page, start-up and memory (one JSON object)."""
    with click.progressbar(length=ledger_moves + orders, label="Building the warehouse", file=click.get_text_stream("stderr")) as bar:
        figures = run(orders, ledger_moves, rounds, starts, bar.update, kept)
    click.echo(json.dumps(figures))

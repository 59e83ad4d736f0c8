"""`wms-tui bench ui`: the floor app over a ledger of 1,000,000 moves.

- `scan_to_screen_p99_ms`: a picker works through pick tasks in the headless app; each of the
  timed scans goes in where a scanner driver delivers them and is timed until a frame shows
  the answer (database commit included); scans come two frames after the last answer, as a
  picker's never come faster (headless: the frame is composed, not written to a terminal).
- `cold_start_s`: `wms-tui` started on a pseudo-terminal (80x24) until the sign-in
  instruction is on the terminal; the median of several starts.
- `rss_mb`: resident memory of the app process after the timed scans.
- `actions_per_single_unit_line`, `actions_per_case_line`: scans and keys a picker needs for a
  one-unit line, and for a 12-unit line picked by its case barcode (of 12), tote included,
  counted while driving the flow (the most any such line took).
The app runs in child processes so the memory and start-up figures are the app's own, not
this builder's.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import re
import select as io_select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import click
from sqlmodel import select

from wms_tui.services.demo import build_demo
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store import finders, migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.models import Item, ItemBarcode, Location, StockBalance
from wms_tui.store.session import transaction

CONTEXT = PostingContext("BENCH", "bench")
CASE = 12  # units of the case barcode the case lines are picked by
BATCH = 10_000


def build(folder: Path, ledger_moves: int, orders: int, progress) -> Path:
    """The demo warehouse, a ledger history of `ledger_moves` moves, and `orders` one-line
    orders allocated into pick tasks: by turns one unit, one case of 12 (of an item with such a
    case barcode) and three units."""
    path = folder / "wms.db"
    engine = make_engine(sqlite_url(path))
    migrate.upgrade(engine)
    build_demo(engine)
    rng = random.Random(3)
    with transaction(engine) as session:
        bins = session.exec(select(Location.id).where(Location.code.startswith("WH1/STOCK/"))).all()
        items = session.exec(select(Item.id).where(Item.tracking == "none")).all()
        supplier = finders.location_by_code(session, "SUPPLIERS").id
    with engine.connect() as conn:
        posted = conn.exec_driver_sql("SELECT COUNT(*) FROM stock_move").scalar_one()
    progress(posted)
    # History: receipts of untracked items into the bins, in large batches.
    while posted < ledger_moves:
        size = min(BATCH, ledger_moves - posted)
        with engine.begin() as conn:
            post_moves(conn, [MoveRequest(rng.choice(items), supplier, rng.choice(bins), 1) for _ in range(size)], CONTEXT)
        posted += size
        progress(size)
    with transaction(engine) as session:
        in_stock = session.exec(
            select(Item.sku).join(StockBalance, StockBalance.item_id == Item.id)
            .where(StockBalance.location_id.in_(bins), StockBalance.quantity >= CASE).distinct()
        ).all()
        with_case = set(session.exec(
            select(Item.sku).join(ItemBarcode, ItemBarcode.item_id == Item.id).where(ItemBarcode.quantity == CASE)).all())
        cases = [sku for sku in sorted(in_stock) if sku in with_case]
        others = [sku for sku in sorted(in_stock) if sku not in with_case]
        lines = [
            (others.pop(), 1) if n % 3 == 0 else (cases.pop(), CASE) if n % 3 == 1 and cases else (others.pop(), 3)
            for n in range(min(orders, len(in_stock)))
        ]
        numbers = [create_order(session, "C001", "WH1", [LineInput(sku, units, unit_price=1)]).number for sku, units in lines]
        confirm_orders(session, numbers)
        allocate(session, numbers)
    engine.dispose()
    return path


def child(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "wms_tui.bench.ui_child", *args], stdout=subprocess.PIPE, text=True)


SIGN_IN_TEXT = b"Scan your badge"
_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]")


def cold_start(config: Path, *, command: tuple[str, ...] = (), shown: bytes = SIGN_IN_TEXT, size: tuple[int, int] = (80, 24)) -> float:
    """`wms-tui --config FILE [COMMAND]` on a pseudo-terminal (80x24 unless given), timed from
    spawning the process until `shown` (the sign-in instruction) has been written to the terminal."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "wms_tui", "--config", str(config), *command], stdin=slave, stdout=slave, stderr=slave,
        env={**os.environ, "TERM": "xterm-256color"}, start_new_session=True,
    )
    os.close(slave)
    output = b""
    try:
        while True:
            ready, _, _ = io_select.select([master], [], [], 30)
            chunk = os.read(master, 65536) if ready else b""
            if not chunk:
                raise click.ClickException(f"the app never showed {shown.decode()!r}: {output[-400:]!r}")
            output += chunk
            if shown in _ESCAPES.sub(b"", output):
                return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        os.close(master)


def run(ledger_moves: int, scans: int, starts: int, progress) -> dict:
    with tempfile.TemporaryDirectory(prefix="wms-bench-ui-") as tmp:
        folder = Path(tmp)
        database = build(folder, ledger_moves, orders=scans // 3 + 20, progress=progress)
        config = folder / "config.toml"
        config.write_text(f'[database]\nurl = "sqlite:///{database}"\n[terminal]\nid = "HH1"\nwarehouse = "WH1"\n')
        with make_engine(sqlite_url(database)).connect() as conn:
            moves = conn.exec_driver_sql("SELECT COUNT(*) FROM stock_move").scalar_one()
        cold = [cold_start(config) for _ in range(starts)]
        process = child("scans", str(config), str(scans))
        output, _ = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise click.ClickException(f"the scan run failed (exit {process.returncode})")
        figures = json.loads(output.strip().splitlines()[-1])
    return {
        "scan_to_screen_p99_ms": figures["p99_ms"],
        "scan_to_screen_median_ms": figures["median_ms"],
        "cold_start_s": round(statistics.median(cold), 3),
        "cold_start_max_s": round(max(cold), 3),
        "rss_mb": figures["rss_mb"],
        "ledger_moves": moves,
        "scans": figures["scans"],
        "picks_posted": figures["picks"],
        "actions_per_single_unit_line": figures["actions_per_single_unit_line"],
        "actions_per_case_line": figures["actions_per_case_line"],
        "cold_starts": starts,
    }


@click.command("ui")
@click.option("--ledger-moves", default=1_000_000, show_default=True, help="Moves in the ledger under the app.")
@click.option("--scans", default=1_000, show_default=True, help="Scans timed from driver to screen.")
@click.option("--starts", default=5, show_default=True, help="Cold starts timed (median reported).")
def bench_ui(ledger_moves: int, scans: int, starts: int) -> None:
    """Floor app: scan-to-screen latency, cold start and memory (prints one JSON object)."""
    with click.progressbar(length=ledger_moves, label="Building the ledger", file=click.get_text_stream("stderr")) as bar:
        figures = run(ledger_moves, scans, starts, bar.update)
    click.echo(json.dumps(figures))

"""The floor never waits on a batch job: an import of 200,000 opening-stock rows runs (as
`wms-tui import`, in its own process) while a terminal scans; every scan is answered, quickly,
and the import completes."""

import csv
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlmodel import Session, func, select

from tests.floor.kit import Desk, another_terminal
from wms_tui.domain.imports import import_ref
from wms_tui.domain.items import Tracking
from wms_tui.services.demo import gtin13
from wms_tui.store.models import Item, ItemBarcode, Location, StockMove

ROWS = 200_000
# SQLite's one writer is what a batch job could block the floor with; on PostgreSQL writers of
# different rows do not wait for each other.
pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


def stock_file(runtime, path) -> None:
    with Session(runtime.engine) as session:
        skus = session.exec(select(Item.sku).where(Item.tracking == Tracking.NONE)).all()
        bins = session.exec(select(Location.code).where(Location.code.like("WH1/STOCK/%-%-%"))).all()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "location", "quantity"])
        writer.writerows((skus[n % len(skus)], bins[n * 7 % len(bins)], 1 + n % 5) for n in range(ROWS))


@pytest.mark.slow
def test_a_terminal_scans_while_200000_rows_are_imported(runtime, tmp_path):
    stock = tmp_path / "stock.csv"
    stock_file(runtime, stock)
    office = another_terminal(runtime, tmp_path, "OFFICE")
    office.close()
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan(next(line.split()[0] for line in desk.shown.details if "What is this?" in line))
    with Session(runtime.engine) as session:
        item = session.exec(select(Item).join(ItemBarcode, ItemBarcode.item_id == Item.id)
                            .where(ItemBarcode.barcode == gtin13(3))).one()
    importing = subprocess.Popen(
        [sys.executable, "-m", "wms_tui", "--config", str(tmp_path / "OFFICE.toml"), "import", "--stock", str(stock)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    waits, wrong = [], []
    try:
        while importing.poll() is None:
            began = time.monotonic()
            desk.scan(gtin13(3))
            waits.append(time.monotonic() - began)
            if desk.error or f"ITEM {item.sku}" not in desk.details:
                wrong.append(desk.message)
            time.sleep(0.01)  # a picker scanning fast
    finally:
        importing.kill() if importing.poll() is None else None
    out, err = importing.communicate()
    assert importing.returncode == 0, err
    assert "imported 0 items, 0 locations, 200000 stock moves" in out
    with Session(runtime.engine) as session:
        imported = session.exec(select(func.count()).select_from(StockMove).where(StockMove.document_ref == import_ref(1))).one()
    assert imported == ROWS
    waits.sort()
    assert len(waits) > 100 and wrong == []
    assert waits[int(len(waits) * 0.99)] < 1.0, waits[-20:]


def test_a_scan_that_meets_a_held_lock_says_busy_waits_and_is_done(runtime):
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    busy = []
    desk.terminal.on_busy = lambda: busy.append(time.monotonic())
    holder = sqlite3.connect(runtime.engine.url.database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another writer, e.g. a job holding one long transaction
    threading.Timer(0.8, holder.commit).start()
    began = time.monotonic()
    desk.scan("1")  # the menu's first flow: Pick
    assert not desk.error and desk.flow == "pick", desk.message
    assert time.monotonic() - began >= 0.7 and len(busy) >= 3  # said busy every 100 ms while waiting
    holder.close()

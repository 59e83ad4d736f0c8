"""A process killed (SIGKILL) while posting leaves whole batches or nothing, never half of one."""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import build_small_warehouse
from tests.ledger.test_invariant_property import recompute
from wms_tui.store.models import StockBalance, StockMove

BATCH = 3000
CHILD = f"""
import sys
from wms_tui.store.db import make_engine
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
url, item, source, target, marker = sys.argv[1], *map(int, sys.argv[2:5]), sys.argv[5]
engine = make_engine(url)
batch = [MoveRequest(item, source, target, "1")] * {BATCH}
while True:
    with engine.begin() as conn:
        post_moves(conn, batch, PostingContext("CRASH", "killer"))
    open(marker, "a").write("x")
"""


def test_killed_mid_batch_keeps_whole_batches_only(engine, db_url, tmp_path: Path):
    wh = build_small_warehouse(engine)
    marker = tmp_path / "committed"
    marker.touch()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(wh.widget.id), str(wh.supplier.id), str(wh.bin_a.id), str(marker)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        deadline = time.monotonic() + 60
        while marker.stat().st_size < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.037)  # land somewhere inside the next batch
        assert child.poll() is None, "the posting process died on its own"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with engine.connect() as conn:
        moves = conn.execute(select(func.count()).select_from(StockMove)).scalar_one()
        sequences = conn.execute(select(StockMove.sequence).where(StockMove.terminal_id == "CRASH").order_by(StockMove.sequence)).scalars().all()
        on_hand = conn.execute(
            select(func.sum(StockBalance.quantity)).where(StockBalance.location_id == wh.bin_a.id)
        ).scalar_one()
        assert recompute(conn) == {
            (row.item_id, row.location_id, row.lot_id, row.container_id): (row.quantity, row.value)
            for row in conn.execute(select(StockBalance))
        }
    assert moves >= 2 * BATCH and moves % BATCH == 0
    assert sequences == list(range(1, moves + 1))  # gap-free
    assert on_hand == Decimal(moves)

"""`wms-tui bench ledger`: posting throughput against a raw sqlite3 baseline, single durable
commit latency, on-hand/available read latency at a million moves, and peak memory."""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import click

from wms_tui.services import catalog
from wms_tui.store import migrate, queries
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves
from wms_tui.store.session import transaction

RAW_SCHEMA = """
CREATE TABLE move (id BLOB PRIMARY KEY, terminal_id TEXT, sequence INTEGER, item_id INTEGER,
    from_location_id INTEGER, to_location_id INTEGER, lot_id INTEGER, container_id INTEGER,
    quantity INTEGER, unit_cost INTEGER, operator TEXT, created_at TEXT, document_ref TEXT,
    document_line_id INTEGER, reason TEXT, reverses_id BLOB);
CREATE TABLE balance (item_id INTEGER, location_id INTEGER, lot_id INTEGER, container_id INTEGER,
    quantity INTEGER, value INTEGER, PRIMARY KEY (item_id, location_id, lot_id, container_id));
"""
RAW_UPSERT = (
    "INSERT INTO balance VALUES (?, ?, 0, 0, ?, ?) ON CONFLICT (item_id, location_id, lot_id, container_id) "
    "DO UPDATE SET quantity = quantity + excluded.quantity, value = value + excluded.value"
)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class LedgerBench:
    def __init__(self, workdir: Path, items: int, bins: int, seed: int = 1) -> None:
        self.rng = random.Random(seed)
        self.workdir = workdir
        self.engine = make_engine(sqlite_url(workdir / "bench.db"))
        migrate.upgrade(self.engine)
        with transaction(self.engine) as session:
            wh = catalog.create_warehouse(session, "WH1", "Bench")
            self.warehouse_id = wh.warehouse.id
            self.bins = [catalog.add_bin(session, wh.zones["STOCK"], f"B{n:05d}", pick_sequence=n).id for n in range(bins)]
            self.supplier = catalog.shared_location(session, "SUPPLIERS").id
            self.items = [catalog.create_item(session, f"I{n:06d}", f"Item {n}", standard_cost="1.25").id for n in range(items)]
        self.context = PostingContext("BENCH", "bench")

    def random_moves(self, count: int) -> list[MoveRequest]:
        choice, items, bins = self.rng.choice, self.items, self.bins
        return [MoveRequest(choice(items), self.supplier, choice(bins), "3") for _ in range(count)]

    def post(self, total: int, batch: int, on_batch=None) -> float:
        start = time.perf_counter()
        for offset in range(0, total, batch):
            size = min(batch, total - offset)
            moves = self.random_moves(size)
            with self.engine.begin() as conn:
                post_moves(conn, moves, self.context)
            if on_batch:
                on_batch(size)
        return time.perf_counter() - start

    def raw_baseline(self, total: int, batch: int) -> float:
        """Bare sqlite3 executemany of rows of the same shape plus a balances upsert, same
        durability settings: the ceiling a Python ledger could reach on this machine."""
        path = self.workdir / "raw.db"
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        raw.executescript(RAW_SCHEMA)
        now = datetime.now(UTC).isoformat()
        start = time.perf_counter()
        sequence = 0
        for _ in range(0, total, batch):
            rows, deltas = [], defaultdict(lambda: [0, 0])
            for _ in range(batch):
                sequence += 1
                item, target = self.rng.choice(self.items), self.rng.choice(self.bins)
                rows.append((uuid.uuid4().bytes, "RAW", sequence, item, self.supplier, target, None, None,
                             3000, 12500, "bench", now, None, None, None, None))
                deltas[(item, self.supplier)][0] -= 3000
                deltas[(item, target)][0] += 3000
            raw.execute("BEGIN IMMEDIATE")
            raw.executemany("INSERT INTO move VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            raw.executemany(RAW_UPSERT, [(i, loc, q, v) for (i, loc), (q, v) in deltas.items()])
            raw.execute("COMMIT")
        elapsed = time.perf_counter() - start
        raw.close()
        return elapsed

    def single_commits(self, count: int) -> list[float]:
        samples = []
        for move in self.random_moves(count):
            start = time.perf_counter()
            with self.engine.begin() as conn:
                post_moves(conn, [move], self.context)
            samples.append((time.perf_counter() - start) * 1000)
        return samples

    def read_latencies(self, count: int) -> tuple[list[float], list[float]]:
        on_hand, available = [], []
        with self.engine.execution_options(read_only=True).connect() as conn:
            for _ in range(count):
                item, location = self.rng.choice(self.items), self.rng.choice(self.bins)
                start = time.perf_counter()
                queries.on_hand_at(conn, item, location)
                on_hand.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                queries.available_in_warehouse(conn, item, self.warehouse_id)
                available.append((time.perf_counter() - start) * 1000)
        return on_hand, available


def run(*, throughput_moves: int, ledger_moves: int, batch: int, items: int, bins: int, reads: int, commits: int,
        progress=None) -> dict:
    with tempfile.TemporaryDirectory(prefix="wms-bench-") as tmp:
        bench = LedgerBench(Path(tmp), items, bins)
        raw_s = bench.raw_baseline(throughput_moves, batch)
        post_s = bench.post(throughput_moves, batch, progress)
        commit_samples = bench.single_commits(commits)
        remaining = max(0, ledger_moves - throughput_moves - commits)
        bench.post(remaining, batch, progress)
        with bench.engine.connect() as conn:
            total_moves = conn.exec_driver_sql("SELECT COUNT(*) FROM stock_move").scalar_one()
        on_hand, available = bench.read_latencies(reads)
        invariant_holds = all(total == 0 for total in queries.item_balance_totals(bench.engine.connect()).values())
        bench.engine.dispose()
    return {
        "post_moves_per_s": round(throughput_moves / post_s),
        "raw_moves_per_s": round(throughput_moves / raw_s),
        "post_ratio_vs_raw": round(raw_s / post_s, 3),
        "single_commit_p99_ms": round(percentile(commit_samples, 0.99), 3),
        "single_commit_median_ms": round(statistics.median(commit_samples), 3),
        "onhand_p99_ms": round(percentile(on_hand, 0.99), 4),
        "available_p99_ms": round(percentile(available, 0.99), 4),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "throughput_moves": throughput_moves,
        "ledger_moves": total_moves,
        "batch_size": batch,
        "items": items,
        "bins": bins,
        "read_samples": reads,
        "commit_samples": commits,
        "invariant_holds": invariant_holds,
    }


@click.command("ledger")
@click.option("--throughput-moves", default=100_000, show_default=True, help="Moves posted for the throughput figures.")
@click.option("--ledger-moves", default=1_000_000, show_default=True, help="Ledger size for the read latencies.")
@click.option("--batch", default=10_000, show_default=True, help="Moves per posted batch (one transaction).")
@click.option("--items", default=10_000, show_default=True)
@click.option("--bins", default=2_000, show_default=True)
@click.option("--reads", default=2_000, show_default=True, help="On-hand/available lookups timed.")
@click.option("--commits", default=1_000, show_default=True, help="Single-move durable commits timed.")
def bench_ledger(throughput_moves: int, ledger_moves: int, batch: int, items: int, bins: int, reads: int, commits: int) -> None:
    """Ledger posting and read performance on a SQLite file (prints one JSON object)."""
    with click.progressbar(length=max(ledger_moves - commits, throughput_moves), label="Posting moves", file=click.get_text_stream("stderr")) as bar:
        figures = run(throughput_moves=throughput_moves, ledger_moves=ledger_moves, batch=batch, items=items,
                      bins=bins, reads=reads, commits=commits, progress=bar.update)
    click.echo(json.dumps(figures))

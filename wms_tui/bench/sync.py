"""`wms-tui bench sync`: push and catch-up throughput against a raw COPY, and push latency and
cross-terminal visibility with many terminals, the service running as `wms-tui central serve`
in its own process on loopback."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from wms_tui.services import catalog
from wms_tui.services.terminals import add_terminal
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import MOVE_COLUMNS, MOVES, Ledger, MoveRequest, PostingContext
from wms_tui.store.session import transaction
from wms_tui.sync.client import Endpoint, SyncClient

BATCH = 10_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(engine, bins: int, items: int) -> tuple[list[int], list[int], int]:
    with transaction(engine) as session:
        warehouse = catalog.create_warehouse(session, "WH1", "Warehouse 1")
        bin_ids = [catalog.add_bin(session, warehouse.zones["STOCK"], f"B-{n:04}").id for n in range(bins)]
        item_ids = [catalog.create_item(session, f"SKU-{n:05}", f"Item {n}", standard_cost="1.00").id for n in range(items)]
        supplier = catalog.shared_location(session, "SUPPLIERS").id
    return bin_ids, item_ids, supplier


class _Terminal:
    def __init__(self, folder: Path, terminal_id: str, central, url: str, bins: int, items: int) -> None:
        self.terminal_id = terminal_id
        self.engine = make_engine(sqlite_url(folder / f"{terminal_id}.db"))
        migrate.upgrade(self.engine)
        self.bins, self.items, self.supplier = _seed(self.engine, bins, items)
        secret = add_terminal(central, terminal_id, "WH1")
        self.client = SyncClient(self.engine, Endpoint(url, terminal_id, "WH1", secret), batch_size=BATCH)
        self.ledger = Ledger(self.engine, PostingContext(terminal_id, "bench"))

    def post(self, count: int) -> None:
        for start in range(0, count, BATCH):
            self.ledger.post([
                MoveRequest(self.items[n % len(self.items)], self.supplier, self.bins[n % len(self.bins)], 1)
                for n in range(start, min(count, start + BATCH))
            ])

    def close(self) -> None:
        self.client.close()
        self.engine.dispose()


def _copy_rows_per_s(central, count: int) -> float:
    """The same rows COPY'd into a bare table of stock_move's shape (no indexes, no triggers)."""
    with central.begin() as conn:
        conn.execute(text("CREATE TABLE bench_bare_move (LIKE stock_move)"))
        rows = [tuple(row) for row in conn.exec_driver_sql(f"SELECT {', '.join(MOVE_COLUMNS)} FROM stock_move LIMIT {count}")]
    started = time.perf_counter()
    with central.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY bench_bare_move ({', '.join(MOVE_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows) / (time.perf_counter() - started)


def _floor_run(folder: Path, central, url: str, terminals: int, seconds: float, period_s: float) -> dict:
    """Each terminal confirms a pick every period_s and pushes it; a watcher terminal long-polls
    and notes when each move lands in its ledger."""
    fleet = [_Terminal(folder, f"F{n:02}", central, url, 20, 20) for n in range(terminals)]
    watcher = _Terminal(folder, "WATCH", central, url, 20, 20)
    posted_at: dict[uuid.UUID, float] = {}
    push_ms: list[float] = []
    seen_at: dict[uuid.UUID, float] = {}
    stop = threading.Event()

    def work(terminal: _Terminal, offset: float) -> None:
        time.sleep(offset)
        n = 0
        while not stop.is_set():
            began = time.perf_counter()
            move = terminal.ledger.post([MoveRequest(terminal.items[n % 20], terminal.supplier, terminal.bins[n % 20], 1)])[0]
            posted_at[move.id] = time.time()
            try:
                terminal.client.push()
                push_ms.append((time.perf_counter() - began) * 1000)
            except Exception:  # noqa: BLE001 - a failed push is resent by the next one; counted as lost if never
                pass
            n += 1
            stop.wait(max(0.0, period_s - (time.perf_counter() - began)))

    def watch() -> None:
        while not stop.is_set():
            before = set(_ids(watcher.engine))
            watcher.client.pull(wait_s=1.0)
            now = time.time()
            for move_id in set(_ids(watcher.engine)) - before:
                seen_at[move_id] = now

    threads = [threading.Thread(target=work, args=(t, n * period_s / terminals)) for n, t in enumerate(fleet)]
    threads.append(threading.Thread(target=watch))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    for terminal in fleet:
        terminal.client.push()
    watcher.client.pull()
    central_ids = Counter(_ids(central))
    local = {move_id for t in fleet for move_id in _ids(t.engine)}
    visibility = sorted((seen_at[m] - posted_at[m]) * 1000 for m in posted_at if m in seen_at)
    result = {
        "push_p99_ms": round(_p99(push_ms), 1),
        "visibility_p99_ms": round(_p99(visibility), 1),
        "lost": len(local - set(central_ids)),
        "duplicated": sum(count - 1 for count in central_ids.values()),
        "floor_moves": len(local),
    }
    for terminal in [*fleet, watcher]:
        terminal.close()
    return result


def _ids(engine) -> list[uuid.UUID]:
    with engine.connect() as conn:
        return list(conn.scalars(select(MOVES.c.id)))


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values[0] if values else 0.0)


@click.command("sync")
@click.option("--url", envvar="WMS_BENCH_PG_URL", required=True,
              help="PostgreSQL URL of a user who may create databases ($WMS_BENCH_PG_URL); a throwaway database is made there.")
@click.option("--moves", default=100_000, show_default=True, help="Moves one terminal pushes (and the COPY baseline copies).")
@click.option("--catchup-moves", default=100_000, show_default=True, help="Moves an offline terminal catches up: half its own, half others'.")
@click.option("--terminals", default=50, show_default=True, help="Terminals confirming picks in the latency run.")
@click.option("--seconds", default=30.0, show_default=True, help="Length of the latency run.")
@click.option("--period-ms", default=200, show_default=True, help="Each terminal confirms a pick this often.")
def bench_sync(url: str, moves: int, catchup_moves: int, terminals: int, seconds: float, period_ms: int) -> None:
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    name = f"wms_bench_sync_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    central_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    central = make_engine(central_url)
    port = _free_port()
    service = None
    try:
        migrate.upgrade(central)
        _seed(central, 200, 1000)
        service = subprocess.Popen([sys.executable, "-m", "wms_tui", "central", "serve", "--url", central_url, "--port", str(port)],
                                   env={**os.environ})
        service_url = f"http://127.0.0.1:{port}"
        _wait_for(service_url)
        with tempfile.TemporaryDirectory(prefix="wms-bench-sync-") as folder:
            pusher = _Terminal(Path(folder), "P1", central, service_url, 200, 1000)
            pusher.post(moves)
            started = time.perf_counter()
            pusher.client.push()
            push_s = time.perf_counter() - started
            copy_rate = _copy_rows_per_s(central, moves)
            other = _Terminal(Path(folder), "O1", central, service_url, 200, 1000)
            late = _Terminal(Path(folder), "L1", central, service_url, 200, 1000)
            late.client.sync_once()  # in step with central (it holds P1's moves), then offline
            other.post(catchup_moves // 2)
            other.client.push()
            late.post(catchup_moves - catchup_moves // 2)
            started = time.perf_counter()
            report = late.client.sync_once()
            catchup_s = time.perf_counter() - started
            assert report.pushed + report.pulled_moves == catchup_moves
            for terminal in (pusher, other, late):
                terminal.close()
            floor = _floor_run(Path(folder), central, service_url, terminals, seconds, period_ms / 1000)
        click.echo(json.dumps({
            "push_moves_per_s": round(moves / push_s),
            "copy_rows_per_s": round(copy_rate),
            "push_ratio_vs_copy": round(moves / push_s / copy_rate, 3),
            "catchup_100k_s": round(catchup_s, 2),
            **floor,
            "sizes": {"moves": moves, "catchup_moves": catchup_moves, "terminals": terminals, "seconds": seconds,
                      "period_ms": period_ms, "batch": BATCH, "at": datetime.now(UTC).isoformat(timespec="seconds")},
        }))
    finally:
        if service is not None:
            service.terminate()
            service.wait()
        central.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/v1/health", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)

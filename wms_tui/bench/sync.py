"""`wms-tui bench sync`: push and catch-up throughput against a raw COPY, and push latency and
cross-terminal visibility with many terminals, the service running as `wms-tui central serve`
in its own process(es) on loopback; the latency run's terminals run in processes of their own,
and so do those of the fault run, whose requests pass a proxy that breaks some of them."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click
import httpx
import psutil
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from wms_tui.bench.central_load import (
    balances,
    cpu_s,
    database_server,
    each_cpu_s,
    ids,
    losses,
    p99,
)
from wms_tui.bench.faultproxy import FaultProxy
from wms_tui.bench.sync_wire import wire_run
from wms_tui.services import catalog
from wms_tui.services.terminals import add_terminal
from wms_tui.store import migrate
from wms_tui.store.db import make_engine, read_only, sqlite_url
from wms_tui.store.ledger import MOVE_COLUMNS, MOVES, Ledger, MoveRequest, PostingContext
from wms_tui.store.session import transaction
from wms_tui.sync.client import Endpoint, SyncClient
from wms_tui.sync.worker import SyncWorker

BATCH = 10_000
# The terminals' [central] interval_s: the default of config.example.toml.
SYNC_INTERVAL_S = 1.0
# How long after the run the terminals may take to send what they still hold.
DRAIN_S = 60.0
# Bins and items of the latency run: every terminal pulls them before the clock starts.
FLOOR_SITE = (20, 20)
# The faults of the fault run, each as likely as the others.
FAULTS = ("drop_request", "drop_response", "reset", "delay")
# What the fault run reports (as fault_*), of its latency run's figures.
FAULT_FIGURES = {"push_p99_ms": "push_p99_ms", "visibility_p99_ms": "visibility_p99_ms", "moves": "floor_moves",
                 "lost": "lost", "duplicated": "duplicated", "unseen_pairs": "unseen_pairs",
                 "diverged_terminals": "diverged_terminals"}


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


class _PushTimer(httpx.HTTPTransport):
    """A terminal's transport that times its pushes from the request sent to central's answer
    read in full (`times`, in ms), those begun from `since[0]` (a wall-clock time) on."""

    def __init__(self, times: list[float], since: list[float]) -> None:
        super().__init__()
        self.times, self.since = times, since

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        began, at = time.perf_counter(), time.time()
        response = super().handle_request(request)
        if request.url.path.endswith("/push") and at >= self.since[0]:
            response.read()
            self.times.append((time.perf_counter() - began) * 1000)
        return response


def _floor_terminals(template: str, folder: str, fleet: list[tuple[str, str, str, float]], site: tuple[list[int], list[int], int],
                     beat: tuple[float, float, float, float], nice: int, ready, results) -> None:
    """One process of the latency run (module level: it is spawned). Each of its terminals
    (id, service url, secret, beat offset) confirms a pick every period_s (posted to its file,
    as the floor does) and nudges its sync worker, the app's own (a pusher and a long-polling
    puller thread), for warmup_s and then the measured seconds. Puts what it saw on `results`:
    the measured picks (id, confirmed at), the push times (request to answer) and the
    exchanges' (a push with the news it brought applied, and the leases asked for), and when
    each other terminal's move was committed in this terminal's file (once the pull that
    brought it returned)."""
    seconds, period_s, spread_s, warmup_s = beat
    os.nice(nice)
    bins, items, supplier = site
    terminals = []
    push_ms: list[float] = []
    measured_from = [float("inf")]  # the clock's start, once known
    for terminal_id, url, secret, _ in fleet:
        path = Path(folder) / f"{terminal_id}.db"
        shutil.copyfile(template, path)
        engine = make_engine(sqlite_url(path))
        client = SyncClient(engine, Endpoint(url, terminal_id, "WH1", secret), transport=_PushTimer(push_ms, measured_from))
        client.sync_once()  # master data and the cursors, before the clock starts
        terminals.append((engine, Ledger(engine, PostingContext(terminal_id, "bench")), client))
    ready.wait()
    cpu_at_start = time.process_time()
    # The first warmup_s of picks are not measured: fifty processes that start picking at the
    # same moment queued on the two cores for their first seconds, which a floor that has been
    # working does not (see docs/sync.md, fifteenth session).
    start = time.time() + 0.5
    measured_from[0] = start + warmup_s
    end = measured_from[0] + seconds
    confirmed: list[tuple[bytes, float]] = []
    exchange_ms: list[float] = []
    pick_lag_ms: list[float] = []  # from a pick's beat to its local commit
    seen: list[tuple[str, float, list[bytes]]] = []
    pulls = [0]

    def pick(ledger: Ledger, worker: SyncWorker, offset: float) -> None:
        n = 0
        while (beat_at := start + offset + n * period_s) < end:
            time.sleep(max(0.0, beat_at - time.time()))
            move = ledger.post([MoveRequest(items[n % len(items)], supplier, bins[n % len(bins)], 1)])[0]
            if beat_at >= measured_from[0]:
                confirmed.append((move.id.bytes, time.time()))
                pick_lag_ms.append((confirmed[-1][1] - beat_at) * 1000)
            worker.nudge()
            n += 1

    def timed(send_outbox):
        """The client's send, its time kept when it brought central moves."""
        def send(ask_leases: bool = True, **options):
            began, at = time.perf_counter(), time.time()
            sent = send_outbox(ask_leases, **options)
            if sent.moves and at >= measured_from[0]:
                exchange_ms.append((time.perf_counter() - began) * 1000)
            return sent
        return send

    def counted(pull):
        def pull_counted(wait_s: float = 0):
            pulls[0] += time.time() >= measured_from[0]
            return pull(wait_s)
        return pull_counted

    def arrivals(terminal_id: str, engine, baseline: int):
        """What each pull brought: the other terminals' moves past the last row seen."""
        last = [baseline]

        def pulled(_moves: int, _rows: int) -> None:
            at = time.time()
            with read_only(engine).connect() as conn:  # the measuring takes no write lock from the terminal
                rows = conn.execute(text("SELECT rowid, id, received_at IS NOT NULL FROM stock_move WHERE rowid > :last"),
                                    {"last": last[0]}).all()
            if rows:
                last[0] = max(row[0] for row in rows)
                seen.append((terminal_id, at, [uuid.UUID(str(row[1])).bytes for row in rows if row[2]]))
        return pulled

    workers, pickers = [], []
    for (terminal_id, _, _, offset), (engine, ledger, client) in zip(fleet, terminals, strict=True):
        with engine.connect() as conn:
            baseline = conn.scalar(text("SELECT coalesce(max(rowid), 0) FROM stock_move"))
        client.send_outbox, client.pull = timed(client.send_outbox), counted(client.pull)
        worker = SyncWorker(client, SYNC_INTERVAL_S, lambda _words: None, pulled=arrivals(terminal_id, engine, baseline))
        workers.append(worker)
        pickers.append(threading.Thread(target=pick, args=(ledger, worker, offset)))
    for worker in workers:
        worker.start()
    for picker in pickers:
        picker.start()
    for picker in pickers:
        picker.join()
    time.sleep(max(0.0, end + spread_s - time.time()))
    for worker in workers:  # a pick that ran late under load is still pushed, not counted lost
        while worker.client.status().to_send and time.time() < end + spread_s + DRAIN_S:
            time.sleep(0.1)
        worker.stop()
    for engine, _, client in terminals:
        client.sync_once()  # what is left both ways, so that the terminal's ledger can be compared with central's
        client.close()
        engine.dispose()
    results.put({"cpu_s": time.process_time() - cpu_at_start, "confirmed": confirmed, "push_ms": push_ms, "exchange_ms": exchange_ms, "pick_lag_ms": pick_lag_ms, "seen": seen, "pulls": pulls[0], "end": end + spread_s})


def _floor_template(folder: Path) -> tuple[Path, tuple[list[int], list[int], int]]:
    """A terminal's file as the latency runs start it (migrated, the floor site's bins and
    items), and the site's (bin ids, item ids, supplier id) in it."""
    template = folder / "template.db"
    engine = make_engine(sqlite_url(template))
    migrate.upgrade(engine)
    site = _seed(engine, *FLOOR_SITE)
    engine.dispose()
    return template, site


def _floor_run(central, urls: list[str], services: list[psutil.Process], folder: Path, terminals: int, processes: int,
               seconds: float, period_s: float, warmup_s: float, nice: int, fault_rate: float = 0.0) -> dict:
    """The terminals spread over `processes` processes (so that the simulator is not the
    bottleneck) and over the service copies at `urls`, picking for warmup_s, then for the
    measured `seconds`. Push: from its request sent to central's answer (the news that comes
    with it applied after that is the exchange, `exchange_p99_ms`). Visibility: from a pick
    confirmed on terminal A to that move committed in terminal B's file, for every measured
    pick and every B; a pair B has not seen when the run ends counts with its wait so far.
    Lost and duplicated count the warm-up's picks too. The CPU the simulated fleet
    and the `services` processes used from the start of the picks on is reported beside the
    figures: on one machine the fleet competes with the service for the cores.
    `fault_rate`: the terminals reach the service through a FaultProxy each copy, and while
    they pick that share of their requests meets one of FAULTS (then the network heals and
    they send and fetch what is left). Lost: a pick central does not hold; duplicated: a move
    central holds more than once or that is no terminal's pick; diverged: a terminal whose
    moves or balances differ from central's once it has synced."""
    template, site = _floor_template(folder)
    proxies = [FaultProxy(httpx.URL(url).port, seed=n) for n, url in enumerate(urls)] if fault_rate else []
    routes = [proxy.url for proxy in proxies] or urls
    fleet = [(f"F{n:02}", routes[n % len(routes)], add_terminal(central, f"F{n:02}", "WH1"), n * period_s / terminals)
             for n in range(terminals)]
    spawn = multiprocessing.get_context("spawn")
    ready, results = spawn.Barrier(processes + 1), spawn.Queue()
    spread_s = 5.0  # pulls go on this long after the last pick
    workers = [spawn.Process(target=_floor_terminals, args=(str(template), str(folder), fleet[n::processes], site,
                                                            (seconds, period_s, spread_s, warmup_s), nice, ready, results))
               for n in range(processes)]
    for worker in workers:
        worker.start()
    server = database_server(central)
    ready.wait(timeout=600)
    service_cpu_at_start, server_cpu_at_start = cpu_s(services), each_cpu_s(server)
    for proxy in proxies:
        proxy.odds = dict.fromkeys(FAULTS, fault_rate / len(FAULTS))
    healing = threading.Timer(0.5 + warmup_s + seconds, lambda: [proxy.heal() for proxy in proxies])  # as the picks end
    healing.start()
    parts = [results.get(timeout=seconds + 600) for _ in workers]  # a process that died raises queue.Empty here
    healing.cancel()
    for proxy in proxies:
        proxy.close()
    service_cpu_s = cpu_s(services) - service_cpu_at_start
    # A backend that ended during the run takes its CPU with it: the figure is a floor.
    database_cpu_s = None if server is None else sum(
        cpu - server_cpu_at_start.get(pid, 0.0) for pid, cpu in each_cpu_s(server).items())
    for worker in workers:
        worker.join()
    confirmed = {move_id: at for part in parts for move_id, at in part["confirmed"]}
    seen: dict[tuple[str, bytes], float] = {}
    for part in parts:
        for observer, at, arrived in part["seen"]:
            for move_id in arrived:
                seen.setdefault((observer, move_id), at)
    end = max(part["end"] for part in parts)
    observers = [terminal_id for terminal_id, _, _, _ in fleet]
    own = _own_moves(folder, observers)
    pairs = [(observer, move_id, at) for move_id, at in confirmed.items() for observer in observers if observer != own[move_id]]
    visibility = sorted((seen.get((observer, move_id), end) - at) * 1000 for observer, move_id, at in pairs)
    unseen = sum(1 for observer, move_id, _ in pairs if (observer, move_id) not in seen)
    lost, duplicated = losses(central, {uuid.UUID(bytes=move_id) for move_id in own})
    pushes = sum(len(part["push_ms"]) for part in parts)
    return {
        "push_p99_ms": round(p99([ms for part in parts for ms in part["push_ms"]]), 1),
        "exchange_p99_ms": round(p99([ms for part in parts for ms in part["exchange_ms"]]), 1),
        "visibility_p99_ms": round(p99(visibility), 1),
        "lost": lost,
        "duplicated": duplicated,
        "floor_moves": len(confirmed),
        "floor_moves_asked": terminals * int(seconds / period_s),
        "unseen_pairs": unseen,
        "diverged_terminals": _diverged(central, folder, observers),
        **({"injected": dict(sum((proxy.injected for proxy in proxies), Counter()))} if proxies else {}),
        "pulls_per_s": round(sum(part["pulls"] for part in parts) / (seconds + spread_s)),
        "pick_lag_p99_ms": round(p99([ms for part in parts for ms in part["pick_lag_ms"]]), 1),
        "pushes_per_s": round(pushes / (seconds + spread_s)),
        "moves_per_push": round(len(confirmed) / max(1, pushes), 2),
        "fleet_cpu_s": round(sum(part["cpu_s"] for part in parts), 1),
        "service_cpu_s": round(service_cpu_s, 1),
        "database_cpu_s": None if database_cpu_s is None else round(database_cpu_s, 1),
        # What central (the service and PostgreSQL) spends per pick: its capacity, whatever the fleet costs.
        "central_cpu_ms_per_pick": None if database_cpu_s is None else round((service_cpu_s + database_cpu_s) / max(1, len(own)) * 1000, 2),
    }


def _diverged(central, folder: Path, terminal_ids: list[str]) -> int:
    """How many of the terminals hold other moves or other balances than central."""
    expected = set(ids(central)), balances(central)
    diverged = 0
    for terminal_id in terminal_ids:
        engine = make_engine(sqlite_url(folder / f"{terminal_id}.db"))
        diverged += (set(ids(engine)), balances(engine)) != expected
        engine.dispose()
    return diverged


def _own_moves(folder: Path, terminal_ids: list[str]) -> dict[bytes, str]:
    """Each terminal's own moves, from its file: move id -> terminal id."""
    own = {}
    for terminal_id in terminal_ids:
        engine = make_engine(sqlite_url(folder / f"{terminal_id}.db"))
        with engine.connect() as conn:
            own.update((move_id.bytes, terminal_id) for move_id in conn.scalars(select(MOVES.c.id).where(MOVES.c.received_at.is_(None))))
        engine.dispose()
    return own


@contextmanager
def _central(url: str, services: int, site: tuple[int, int]):
    """A throwaway central database at `url`'s server, seeded with site's (bins, items), with `services` copies of
    `wms-tui central serve` on it (each its own process and port): (engine, service urls, service processes)."""
    admin = create_engine(make_url(url), isolation_level="AUTOCOMMIT")
    name = f"wms_bench_sync_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    central_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    central = make_engine(central_url)
    copies = []
    try:
        migrate.upgrade(central)
        _seed(central, *site)
        ports = [_free_port() for _ in range(services)]
        copies = [subprocess.Popen([sys.executable, "-m", "wms_tui", "central", "serve", "--url", central_url, "--port", str(port)],
                                   env={**os.environ}) for port in ports]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for service_url in urls:
            _wait_for(service_url)
        yield central, urls, [psutil.Process(copy.pid) for copy in copies]
    finally:
        for copy in copies:
            copy.terminate()
            copy.wait()
        central.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@click.command("sync")
@click.option("--url", envvar="WMS_BENCH_PG_URL", required=True,
              help="PostgreSQL URL of a user who may create databases ($WMS_BENCH_PG_URL); throwaway databases are made there.")
@click.option("--moves", default=100_000, show_default=True, help="Moves one terminal pushes (and the COPY baseline copies).")
@click.option("--catchup-moves", default=100_000, show_default=True, help="Moves an offline terminal catches up: half its own, half others'.")
@click.option("--terminals", default=50, show_default=True, help="Terminals confirming picks in the latency run (0: no latency run).")
@click.option("--processes", default=0, show_default=True,
              help="Processes the latency run's terminals are spread over (0: one per terminal, as on a site, where each "
                   "handheld runs its own app; fewer put terminals in one process to compete for its interpreter).")
@click.option("--services", default=1, show_default=True, help="Copies of the service (processes) the latency run's terminals are spread over.")
@click.option("--fleet-nice", default=10, show_default=True, type=click.IntRange(0, 19),
              help="Niceness of the simulated terminals' processes: on a site they run on the handhelds, not beside the "
                   "service; here they would take the CPU the service and PostgreSQL need (0: equal footing).")
@click.option("--fault-terminals", default=50, show_default=True,
              help="Terminals of the fault run (0: none): the latency run again, its requests through a proxy that "
                   "breaks --fault-rate of them while the terminals pick (fault_* figures).")
@click.option("--fault-rate", default=0.1, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Share of the fault run's requests that meet a fault: the request cut half-way, the answer dropped "
                   "after central committed, the connection reset, or a delay, each as likely.")
@click.option("--wire-terminals", default=50, show_default=True,
              help="Terminals of the wire run (0: none): the latency run's traffic from terminals that are only their "
                   "protocol, in a few light processes, so that central has most of the cores (its part of the targets).")
@click.option("--seconds", default=30.0, show_default=True, help="Length of the latency run (what is measured).")
@click.option("--warmup-s", default=5.0, show_default=True, type=click.FloatRange(0),
              help="Picks before the measured seconds, not measured (lost and duplicated count them): a floor that "
                   "has been working, not fifty cold processes starting at one moment.")
@click.option("--period-ms", default=200, show_default=True, help="Each terminal confirms a pick this often.")
def bench_sync(url: str, moves: int, catchup_moves: int, terminals: int, processes: int, services: int, fleet_nice: int,
               fault_terminals: int, fault_rate: float, wire_terminals: int, seconds: float, warmup_s: float,
               period_ms: int) -> None:
    """Sync push rate, catch-up time and pick latency (prints one JSON object).

    Runs against throwaway databases on --url and the real service on 127.0.0.1: one terminal
    pushing --moves moves beside a raw COPY of the same rows, an offline terminal catching up
    --catchup-moves, and --terminals terminals each confirming a pick every --period-ms for
    --seconds (push and pick-to-other-terminal p99, lost and duplicated moves); the same with
    --fault-terminals terminals behind a proxy that breaks --fault-rate of their requests
    (fault_* figures); then the same traffic from --wire-terminals terminals that are only
    their protocol (wire_* figures). lost and duplicated add up every run's."""
    figures: dict = {}
    with tempfile.TemporaryDirectory(prefix="wms-bench-sync-") as folder:
        if moves:
            with _central(url, 1, (200, 1000)) as (central, (service_url,), _):
                figures.update(_throughput(central, service_url, Path(folder), moves, catchup_moves))
        if terminals:
            # A database of its own: the terminals start in step with central, not 250,000 moves behind.
            with _central(url, services, FLOOR_SITE) as (central, urls, service_processes):
                latency = _floor_run(central, urls, service_processes, Path(folder), terminals, min(processes or terminals, terminals),
                                     seconds, period_ms / 1000, warmup_s, fleet_nice)
                latency["floor_lost"], latency["floor_duplicated"] = latency.pop("lost"), latency.pop("duplicated")
                figures.update(latency)
        if fault_terminals:
            with _central(url, services, FLOOR_SITE) as (central, urls, service_processes):
                fault_folder = Path(folder) / "faults"
                fault_folder.mkdir()
                faulted = _floor_run(central, urls, service_processes, fault_folder, fault_terminals,
                                     min(processes or fault_terminals, fault_terminals), seconds, period_ms / 1000,
                                     warmup_s, fleet_nice, fault_rate)
                figures.update({f"fault_{name}": faulted[key] for name, key in FAULT_FIGURES.items()},
                               fault_injected=faulted["injected"])
        if wire_terminals:
            with _central(url, services, FLOOR_SITE) as (central, urls, service_processes):
                wire_folder = Path(folder) / "wire"
                wire_folder.mkdir()
                template, site = _floor_template(wire_folder)
                figures.update(wire_run(central, urls, service_processes, wire_folder, template, site, wire_terminals,
                                        seconds, period_ms / 1000, warmup_s))
    for loss in ("lost", "duplicated"):  # the figures: over every run, the fault run's included
        figures[loss] = sum(value for name, value in figures.items() if name.endswith(f"_{loss}"))
    click.echo(json.dumps({
        **figures,
        "sizes": {"moves": moves, "catchup_moves": catchup_moves, "terminals": terminals, "processes": processes,
                  "services": services, "fleet_nice": fleet_nice, "fault_terminals": fault_terminals,
                  "fault_rate": fault_rate, "wire_terminals": wire_terminals, "seconds": seconds, "warmup_s": warmup_s, "period_ms": period_ms, "batch": BATCH,
                  "at": datetime.now(UTC).isoformat(timespec="seconds")},
    }))


def _throughput(central, service_url: str, folder: Path, moves: int, catchup_moves: int) -> dict:
    pusher = _Terminal(folder, "P1", central, service_url, 200, 1000)
    pusher.post(moves)
    started = time.perf_counter()
    pusher.client.push()
    push_s = time.perf_counter() - started
    copy_rate = _copy_rows_per_s(central, moves)
    pusher.close()
    return {
        "push_moves_per_s": round(moves / push_s),
        "copy_rows_per_s": round(copy_rate),
        "push_ratio_vs_copy": round(moves / push_s / copy_rate, 3),
        "catchup_100k_s": round(_catchup_s(central, service_url, folder, catchup_moves), 2) if catchup_moves else None,
    }


def _catchup_s(central, service_url: str, folder: Path, catchup_moves: int) -> float:
    """Seconds a terminal offline for `catchup_moves` (half its own, half another's) takes to sync both ways."""
    other = _Terminal(folder, "O1", central, service_url, 200, 1000)
    late = _Terminal(folder, "L1", central, service_url, 200, 1000)
    late.client.sync_once()  # in step with central (it holds P1's moves), then offline
    other.post(catchup_moves // 2)
    other.client.push()
    late.post(catchup_moves - catchup_moves // 2)
    started = time.perf_counter()
    report = late.client.sync_once()
    catchup_s = time.perf_counter() - started
    assert report.pushed + report.pulled_moves == catchup_moves
    other.close()
    late.close()
    return catchup_s


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

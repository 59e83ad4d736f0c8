"""The latency run's traffic with central alone on the machine's cores (`bench sync`'s wire run).

Each terminal is only its protocol: its picks are posted ahead to a file of its own (real moves:
sequences, chain hashes), then pushed on the latency run's beat as a terminal's sync worker
pushes them (what is due, no sooner than its push gap after the last push, asking for the news),
from a few processes of one event loop each. On a site the terminals run on the handhelds: this
measures central's part of the latency targets, the push round trip and the time from a pick's
beat until another terminal's answer brings the move (not that terminal's apply of it to its
file, which each handheld does on its own CPU). The full run beside it measures the terminals
as well.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
import uuid
from pathlib import Path

import httpx
import psutil

from wms_tui.bench.central_load import cpu_s, database_server, each_cpu_s, losses, p99
from wms_tui.domain.sync import API_PREFIX, FIELD_INDEX, SCHEMA_HEADER, credential, schema_token
from wms_tui.services.terminals import add_terminal
from wms_tui.store import migrate, replication
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.sync.worker import PUSH_GAP_S

ID, SEQUENCE, CHAIN = FIELD_INDEX["id"], FIELD_INDEX["sequence"], FIELD_INDEX["chain_hash"]
# How long after the last beat the terminals go on pulling the others' last moves.
DRAIN_S = 5.0
# Processes the terminals are spread over (one event loop each; fifty terminals in one loop
# kept it busy enough to hold the pushes' answers back: push p99 ~1 s, ~100 ms in five), and
# the first beat's delay once all of them are in step with central.
PROCESSES = 5
START_AFTER_S = 0.5


class _WireTerminal:
    """One terminal's protocol: its moves, how far central has them, its pull cursors, and
    when each other terminal's move first reached it."""

    def __init__(self, terminal_id: str, url: str, secret: str, moves: list[list], offset_s: float) -> None:
        self.terminal_id = terminal_id
        self.url = url
        self.moves = moves
        self.offset_s = offset_s
        self.headers = {"Authorization": credential(terminal_id, secret), SCHEMA_HEADER: schema_token(migrate.HEADS),
                        "Content-Type": "application/json"}
        self.sent = 0
        self.cursors = {"master_cursor": 0, "warehouse_cursor": 0}
        self.arrived: dict[str, float] = {}

    def take(self, answer: dict) -> bool:
        """Note the moves of a pull's answer and move the cursors on; whether more wait."""
        at = time.time()
        for terminal_id, move in answer["moves"]:
            if terminal_id != self.terminal_id:
                self.arrived.setdefault(move[ID], at)
        self.cursors = {"master_cursor": answer["master_cursor"], "warehouse_cursor": answer["warehouse_cursor"]}
        return answer["more"]


async def _post(client: httpx.AsyncClient, terminal: _WireTerminal, path: str, body: dict) -> dict:
    body = {"terminal": terminal.terminal_id, "warehouse": "WH1", **body}
    response = await client.post(f"{terminal.url}{API_PREFIX}/{path}", content=json.dumps(body), headers=terminal.headers)
    response.raise_for_status()
    return response.json()


async def _catch_up(client: httpx.AsyncClient, terminal: _WireTerminal, wait_s: float = 0) -> None:
    while terminal.take(await _post(client, terminal, "pull", {**terminal.cursors, "wait_s": wait_s})):
        pass


async def _work(client: httpx.AsyncClient, terminal: _WireTerminal, start: float, period_s: float, measured_from: float,
                push_ms: list[float]) -> None:
    """Push each move once its beat has passed, no sooner than PUSH_GAP_S after the last push
    began, with what is due by then (the round trips of pushes begun from `measured_from` on
    timed); then pull the others' last moves for DRAIN_S."""
    pushed_at = float("-inf")
    while terminal.sent < len(terminal.moves):
        beat = start + terminal.offset_s + terminal.sent * period_s
        await asyncio.sleep(max(0.0, beat - time.time(), pushed_at + PUSH_GAP_S - time.monotonic()))
        due = min(len(terminal.moves), max(terminal.sent + 1, int((time.time() - start - terminal.offset_s) / period_s) + 1))
        batch = terminal.moves[terminal.sent:due]
        previous = terminal.moves[terminal.sent - 1][CHAIN] if terminal.sent else ""
        pushed_at, began, sent_at = time.monotonic(), time.perf_counter(), time.time()
        answer = await _post(client, terminal, "push", {"previous_hash": previous, "moves": batch, "news": terminal.cursors})
        if sent_at >= measured_from:
            push_ms.append((time.perf_counter() - began) * 1000)
        if answer["applied_sequence"] != batch[-1][SEQUENCE]:
            raise RuntimeError(f"{terminal.terminal_id}: central holds its moves up to {answer['applied_sequence']}, "
                               f"not {batch[-1][SEQUENCE]}")
        terminal.sent = due
        terminal.take(answer["news"])
    end = start + len(terminal.moves) * period_s + DRAIN_S
    while (left := end - time.time()) > 0:
        await _catch_up(client, terminal, min(1.0, left))


def _prepare(folder: Path, template: Path, central, terminal_id: str, url: str, picks: int,
             site: tuple[list[int], list[int], int], offset_s: float) -> _WireTerminal:
    """The terminal's picks posted to a copy of the template file and read as its outbox."""
    path = folder / f"{terminal_id}.db"
    path.write_bytes(template.read_bytes())
    engine = make_engine(sqlite_url(path))
    bins, items, supplier = site
    Ledger(engine, PostingContext(terminal_id, "bench")).post(
        [MoveRequest(items[n % len(items)], supplier, bins[n % len(bins)], 1) for n in range(picks)])
    with engine.connect() as conn:
        moves = replication.outbox(conn, terminal_id, 0, picks)
    engine.dispose()
    return _WireTerminal(terminal_id, url, add_terminal(central, terminal_id, "WH1"), moves, offset_s)


async def _run(terminals: list[_WireTerminal], period_s: float, warmup_s: float, start_when_ready) -> list[float]:
    """The terminals in step with central, then at work from the start `start_when_ready()`
    gives once every process is in step: the push round trips after the warm-up."""
    limits = httpx.Limits(max_connections=len(terminals) * 2, max_keepalive_connections=len(terminals) * 2)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        await asyncio.gather(*(_catch_up(client, terminal) for terminal in terminals))
        start = start_when_ready()
        push_ms: list[float] = []
        await asyncio.gather(*(_work(client, terminal, start, period_s, start + warmup_s, push_ms) for terminal in terminals))
    return push_ms


def _run_part(terminals: list[_WireTerminal], period_s: float, warmup_s: float, ready, go, start, results) -> None:
    """One process of the wire run (module level: it is spawned)."""
    def start_when_ready() -> float:
        ready.wait()
        go.wait()
        return start.value

    push_ms = asyncio.run(_run(terminals, period_s, warmup_s, start_when_ready))
    results.put({"push_ms": push_ms, "arrived": {t.terminal_id: t.arrived for t in terminals},
                 "cpu_s": time.process_time()})


def _busy(before, after) -> float:
    """The share of the machine's CPU time that was not idle between two psutil.cpu_times()."""
    idle = (after.idle + getattr(after, "iowait", 0.0)) - (before.idle + getattr(before, "iowait", 0.0))
    total = sum(after) - sum(before)
    return 1 - idle / total if total > 0 else 0.0


def wire_run(central, urls: list[str], services: list[psutil.Process], folder: Path, template: Path,
             site: tuple[list[int], list[int], int], terminals: int, seconds: float, period_s: float, warmup_s: float) -> dict:
    """The wire run's figures (keys wire_*), with the CPU central and these terminals used: the
    picks of the first warmup_s are not measured (lost and duplicated count them)."""
    picks = int((warmup_s + seconds) / period_s)
    fleet = [_prepare(folder, template, central, f"W{n:02}", urls[n % len(urls)], picks, site, n * period_s / terminals)
             for n in range(terminals)]
    server = database_server(central)
    service_cpu, server_cpu, machine = cpu_s(services), each_cpu_s(server), psutil.cpu_times()
    spawn = multiprocessing.get_context("spawn")
    processes = min(PROCESSES, terminals)
    results, ready, go, shared_start = spawn.Queue(), spawn.Barrier(processes + 1), spawn.Event(), spawn.Value("d", 0.0)
    parts = [spawn.Process(target=_run_part, args=(fleet[n::processes], period_s, warmup_s, ready, go, shared_start, results))
             for n in range(processes)]
    for part in parts:
        part.start()
    ready.wait(timeout=600)  # every process started and in step with central
    start = shared_start.value = time.time() + START_AFTER_S
    go.set()
    done = [results.get(timeout=seconds + 600) for _ in parts]
    for part in parts:
        part.join()
    end = time.time()
    push_ms = [ms for part in done for ms in part["push_ms"]]
    arrived = {terminal_id: moves for part in done for terminal_id, moves in part["arrived"].items()}
    for terminal in fleet:
        terminal.arrived = arrived[terminal.terminal_id]
    machine_busy = _busy(machine, psutil.cpu_times())
    service_cpu_s = cpu_s(services) - service_cpu
    database_cpu_s = None if server is None else sum(cpu - server_cpu.get(pid, 0.0) for pid, cpu in each_cpu_s(server).items())
    # A pair an observer has not seen when the run ends counts with its wait so far.
    beats = [(terminal.terminal_id, move[ID], start + terminal.offset_s + n * period_s)
             for terminal in fleet for n, move in enumerate(terminal.moves)]
    measured = [(poster, move_id, beat) for poster, move_id, beat in beats if beat >= start + warmup_s]
    visibility = [observer.arrived.get(move_id, end) - beat
                  for observer in fleet for poster, move_id, beat in measured if poster != observer.terminal_id]
    unseen = sum(1 for observer in fleet for poster, move_id, _ in measured
                 if poster != observer.terminal_id and move_id not in observer.arrived)
    lost, duplicated = losses(central, {uuid.UUID(move_id) for _, move_id, _ in beats})
    return {
        "wire_push_p99_ms": round(p99(push_ms), 1),
        "wire_visibility_p99_ms": round(p99(visibility) * 1000, 1),
        "wire_moves": len(measured),
        "wire_lost": lost,
        "wire_duplicated": duplicated,
        "wire_unseen_pairs": unseen,
        "wire_pushes_per_s": round(len(push_ms) / (end - start - warmup_s), 1),
        "wire_client_cpu_s": round(sum(part["cpu_s"] for part in done), 1),
        "wire_service_cpu_s": round(service_cpu_s, 1),
        "wire_database_cpu_s": None if database_cpu_s is None else round(database_cpu_s, 1),
        # Of all the machine's cores over the run: near 1, everything queues for the CPU.
        "wire_machine_busy": round(machine_busy, 2),
        "wire_central_cpu_ms_per_pick": None if database_cpu_s is None else round(
            (service_cpu_s + database_cpu_s) / max(1, len(beats)) * 1000, 2),
    }

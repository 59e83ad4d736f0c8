"""Sync test kit: a central PostgreSQL database with the real service on 127.0.0.1 (uvicorn in a
thread), terminals on their own SQLite files, and a ledger compared by natural keys."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from sqlalchemy import Engine, select

from tests.factories import SmallWarehouse, build_small_warehouse
from wms_tui.bench.central_load import balances
from wms_tui.central import protocol
from wms_tui.central.app import create_app
from wms_tui.services.terminals import add_terminal
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.integrity import check_ledger
from wms_tui.store.ledger import MOVES, Ledger, MoveRequest, PostingContext
from wms_tui.sync.client import Endpoint, SyncClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """`wms-tui central serve` in a thread of the test process."""

    def __init__(self, engine: Engine) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=self.port, log_level="error"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the sync service did not start"
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@dataclass
class Terminal:
    terminal_id: str
    engine: Engine
    site: SmallWarehouse
    secret: str
    posted: int = 0
    clients: list[SyncClient] = field(default_factory=list)

    def client(self, url: str, **options) -> SyncClient:
        client = SyncClient(self.engine, Endpoint(url, self.terminal_id, "WH1", self.secret), **options)
        self.clients.append(client)
        return client

    def post(self, *requests: MoveRequest) -> None:
        Ledger(self.engine, PostingContext(self.terminal_id, f"op-{self.terminal_id}")).post(list(requests))
        self.posted += len(requests)

    def receive_and_pick(self, receive: int, pick: int, bin_name: str = "bin_a") -> None:
        """A receipt into a bin and a pick out of it to the customer."""
        site = self.site
        location = getattr(site, bin_name)
        self.post(MoveRequest(site.widget.id, site.supplier.id, location.id, receive))
        self.post(MoveRequest(site.widget.id, location.id, site.customer.id, pick))

    def close(self) -> None:
        for client in self.clients:
            client.close()
        self.engine.dispose()


def new_terminal(sqlite_template: Path, folder: Path, terminal_id: str, central: Engine) -> Terminal:
    path = folder / f"{terminal_id}.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(sqlite_url(path))
    site = build_small_warehouse(engine)
    return Terminal(terminal_id, engine, site, add_terminal(central, terminal_id, "WH1"))


def moves_by_id(engine: Engine) -> dict:
    with engine.connect() as conn:
        return {row.id: (row.terminal_id, row.sequence, row.chain_hash) for row in conn.execute(select(MOVES))}


def assert_converged(central: Engine, terminals: list[Terminal]) -> None:
    """Central = the union of the terminals' ledgers, every move once; every terminal holds all
    of them and the same balances; every ledger checks (chains, gaps, sums to zero)."""
    union = Counter(move_id for t in terminals for move_id, (terminal_id, _, _) in moves_by_id(t.engine).items()
                    if terminal_id == t.terminal_id)
    assert all(count == 1 for count in union.values())
    central_moves = moves_by_id(central)
    assert set(central_moves) == set(union)
    assert len(central_moves) == sum(t.posted for t in terminals)
    expected = balances(central)
    for terminal in terminals:
        assert moves_by_id(terminal.engine) == central_moves, terminal.terminal_id
        assert balances(terminal.engine) == expected, terminal.terminal_id
    for engine in [central, *(t.engine for t in terminals)]:
        with engine.connect() as conn:
            result = check_ledger(conn)
        assert result.problems == []


class HeldGroups:
    """The service's push groups noted (each as its terminals, sorted), the first held until
    `release` is set, and the pushes it received counted: pushes sent while the first is held
    queue up for the next group."""

    def __init__(self, monkeypatch) -> None:
        self.groups: list[list[str]] = []
        self.received = 0
        self.holding, self.release = threading.Event(), threading.Event()
        apply_pushes, receive = protocol._apply_pushes, protocol._received

        def held_first(engine, pushes, now):
            self.groups.append(sorted(push.credential[0] for push in pushes))
            if len(self.groups) == 1:
                self.holding.set()
                assert self.release.wait(30)
            return apply_pushes(engine, pushes, now)

        def counted(*args):
            push = receive(*args)
            self.received += 1
            return push

        monkeypatch.setattr(protocol, "_apply_pushes", held_first)
        monkeypatch.setattr(protocol, "_received", counted)

    def release_when_received(self, count: int) -> None:
        """Let the first group go once `count` pushes have arrived (the rest wait behind it)."""
        deadline = time.monotonic() + 30
        while self.received < count:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)
        self.release.set()

"""What the sync benchmarks read of central: the CPU the service's and PostgreSQL's processes
used, the moves and balances a ledger holds (central's or a terminal's), and the 99th
percentile of a run's timings."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from decimal import Decimal

import psutil
from sqlalchemy import select, text

from wms_tui.store.ledger import BALANCES, MOVES
from wms_tui.store.models import Container, Item, Location, Lot


def cpu_s(processes: list[psutil.Process]) -> float:
    return sum(times.user + times.system for times in (process.cpu_times() for process in processes))


def database_server(engine) -> psutil.Process | None:
    """The PostgreSQL server's main process when it runs on this machine (its CPU is the other
    half of central's cost), else None."""
    with engine.connect() as conn:
        backend = conn.scalar(text("SELECT pg_backend_pid()"))
    try:
        server = psutil.Process(backend).parent()
        return server if server is not None and "postgres" in server.name() else None
    except psutil.Error:  # a server elsewhere (its pid means nothing here) or not ours to read
        return None


def each_cpu_s(server: psutil.Process | None) -> dict[int, float]:
    """CPU seconds of each of the server's processes (backends, writers) by pid."""
    if server is None:
        return {}
    spent = {}
    for process in [server, *server.children()]:
        try:
            times = process.cpu_times()
        except psutil.Error:  # ended meanwhile
            continue
        spent[process.pid] = times.user + times.system
    return spent


def ids(engine) -> list[uuid.UUID]:
    with engine.connect() as conn:
        return list(conn.scalars(select(MOVES.c.id)))


def losses(central, picked: set[uuid.UUID]) -> tuple[int, int]:
    """(lost, duplicated) of a run's picks: those central does not hold, and what central holds
    besides one of each (a move twice, or a move that is no pick of the run)."""
    held = Counter(ids(central))
    return len(picked - held.keys()), held.total() - len(picked & held.keys())


def balances(engine, warehouse: str = "WH1") -> dict[tuple, Decimal]:
    """Non-zero balances of the warehouse's internal locations, by natural keys (item SKU,
    location, lot and container codes): what two ledgers that hold the same moves agree on."""
    statement = (
        select(Item.sku, Location.code, Lot.code, Container.code, BALANCES.c.quantity)
        .join(Item, Item.id == BALANCES.c.item_id).join(Location, Location.id == BALANCES.c.location_id)
        .outerjoin(Lot, Lot.id == BALANCES.c.lot_id).outerjoin(Container, Container.id == BALANCES.c.container_id)
        .where(Location.code.startswith(f"{warehouse}/"), BALANCES.c.quantity != 0)
    )
    with engine.connect() as conn:
        return {tuple(row[:4]): row[4] for row in conn.execute(statement)}


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values[0] if values else 0.0)

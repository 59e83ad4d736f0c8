"""The service's copy of a warehouse's latest moves (RecentMoves) answers exactly what the
database answers in the same snapshot, while reading each move from the database once."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from tests.sync.test_documents import central_po
from wms_tui.store import pulled_rows, replication
from wms_tui.store.ledger import MoveRequest, PostingContext, post_moves

pytestmark = pytest.mark.pg


@contextmanager
def snapshot(engine):
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
        yield conn


class Site:
    def __init__(self, central) -> None:
        self.central = central
        with central.connect() as conn:
            self.warehouse = conn.execute(text("SELECT id FROM warehouse WHERE code = 'WH1'")).scalar_one()
            self.widget = conn.execute(text("SELECT id FROM item WHERE sku = 'W-1'")).scalar_one()
            self.supplier, self.bin = (conn.execute(text("SELECT id FROM location WHERE code = :code"), {"code": code}).scalar_one()
                                       for code in ("SUPPLIERS", "WH1/STOCK/A-01-01"))
        self.po = central_po(central, 5)

    def post(self, count: int) -> None:
        with self.central.begin() as conn:
            post_moves(conn, [MoveRequest(self.widget, self.supplier, self.bin, 1 + n) for n in range(count)],
                       PostingContext(f"T{count % 3}", "tester"))

    def change_a_document(self) -> None:
        """A change of the warehouse that is not a move: a gap in the moves' change numbers."""
        with self.central.begin() as conn:
            conn.execute(text("UPDATE purchase_order SET number = number WHERE number = :number"), {"number": self.po})


def answered(recent: replication.RecentMoves, conn, warehouse: int, after: int, limit: int) -> list[tuple]:
    """The copy's answer, given the warehouse's counter in the reader's snapshot (as a pull reads it)."""
    return recent.moves_since(conn, warehouse, after, limit, pulled_rows.heads(conn, warehouse, 0, 0, 1).last_change)


@pytest.fixture
def database_reads(monkeypatch):
    """Counts the moves read from the database."""
    read = [0]
    moves_since = replication.moves_since

    def counted(*arguments):
        moves = moves_since(*arguments)
        read[0] += len(moves)
        return moves

    monkeypatch.setattr(replication, "moves_since", counted)
    return read


def test_recent_moves_answer_every_cursor_and_limit_as_the_database(central, monkeypatch):
    """Batches of moves with document changes between them; after each, terminals at cursors
    spread over the whole history (behind the copy, inside it, at the tip) with limits small and
    large: the copy answers each the same rows as the database in that snapshot. The copy is
    kept short (trimmed), and reads past it short, to run every path."""
    monkeypatch.setattr(replication, "_RECENT_READ", 7)
    site, recent = Site(central), replication.RecentMoves(kept=40)
    chance = random.Random(13)
    for _ in range(25):
        site.post(chance.randint(1, 12))
        if chance.random() < 0.4:
            site.change_a_document()
        with snapshot(central) as conn:
            last = conn.execute(text("SELECT last_change FROM change_counter WHERE warehouse_id = :w"), {"w": site.warehouse}).scalar_one()
            for after in {0, last, last - 1, *chance.sample(range(last + 1), min(6, last + 1))}:
                for limit in (1, 3, 20_000):
                    plain = replication.moves_since(conn, site.warehouse, after, limit)
                    assert answered(recent, conn, site.warehouse, after, limit) == plain, (after, limit, last)


def test_terminals_at_the_tip_read_each_move_from_the_database_once(central, database_reads):
    """Twenty terminals following a warehouse, each reading after its own cursor: each move is
    read from the database once in all, not once per terminal."""
    site, recent = Site(central), replication.RecentMoves()
    cursors = dict.fromkeys(range(20), 0)
    posted = 0
    for round_ in range(10):
        site.post(3)
        posted += 3
        for terminal in cursors:
            if (terminal + round_) % 3:  # some terminals skip a round: their cursors differ
                with snapshot(central) as conn:
                    moves = answered(recent, conn, site.warehouse, cursors[terminal], 20_000)
                if moves:
                    cursors[terminal] = moves[-1][0]
    assert database_reads[0] == posted


def test_an_older_snapshot_is_answered_up_to_its_own_counter(central):
    """A read whose snapshot began before moves committed that another read put into the copy
    gets only the moves its snapshot sees: no move, and no document change between them, is
    passed over for its terminal's cursor."""
    site, recent = Site(central), replication.RecentMoves()
    site.post(4)
    with snapshot(central) as old:
        old.execute(text("SELECT 1"))  # the snapshot starts here
        site.post(2)
        site.change_a_document()
        site.post(3)
        with snapshot(central) as new:
            assert len(answered(recent, new, site.warehouse, 0, 20_000)) == 9
        plain = replication.moves_since(old, site.warehouse, 0, 20_000)
        assert answered(recent, old, site.warehouse, 0, 20_000) == plain
        assert len(plain) == 4


def test_concurrent_readers_and_writers_get_what_their_snapshots_see(central):
    """Eight threads read at cursors of their own while two write moves and document changes:
    every answer from the shared copy equals the database's in the reader's snapshot."""
    site, recent = Site(central), replication.RecentMoves(kept=60)
    stop = threading.Event()
    mismatches: list[tuple] = []
    answers = [0]

    def write() -> None:
        chance = random.Random(threading.get_ident())
        while not stop.is_set():
            site.post(chance.randint(1, 5))
            if chance.random() < 0.2:
                site.change_a_document()

    def read(seed: int) -> None:
        chance, cursor = random.Random(seed), 0
        while not stop.is_set():
            with snapshot(central) as conn:
                limit = chance.choice((2, 20_000))
                got = answered(recent, conn, site.warehouse, cursor, limit)
                plain = replication.moves_since(conn, site.warehouse, cursor, limit)
            if got != plain:
                mismatches.append((cursor, limit, len(got), len(plain)))
            answers[0] += 1
            # On at the tip, or back into (or behind) the copy now and then.
            cursor = got[-1][0] if got and chance.random() < 0.8 else max(0, cursor - chance.randint(0, 80))

    with ThreadPoolExecutor(10) as pool:
        running = [pool.submit(write) for _ in range(2)] + [pool.submit(read, seed) for seed in range(8)]
        time.sleep(6)
        stop.set()
        for future in running:
            future.result()
    assert mismatches == []
    assert answers[0] > 100

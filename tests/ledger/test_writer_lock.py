"""Writers of one SQLite file in one process queue on a lock of their own: the next one starts the
moment the last commits (SQLite left a waiting writer sleeping 1, 2, 5 ... 100 ms between
tries), a busy timeout still ends the wait with "database is locked", and a transaction that
ends in any way (commit, rollback, a BEGIN another process refused) lets go of the lock."""

import sqlite3
import statistics
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from wms_tui.store.db import BUSY_TIMEOUT_OPTION, is_locked, make_engine, sqlite_url
from wms_tui.store.session import transaction

HOLD_S = 0.06


@pytest.fixture
def engines(tmp_path):
    """Two engines on one file, as the floor app and its sync worker have."""
    url = sqlite_url(tmp_path / "ledger.db")
    first, second = make_engine(url), make_engine(url)
    with first.begin() as conn:
        conn.execute(text("CREATE TABLE scan (n INTEGER)"))
    yield first, second
    first.dispose()
    second.dispose()


def test_a_waiting_writer_starts_as_soon_as_the_last_one_commits(engines):
    first, second = engines
    handovers = []
    for _ in range(10):
        holding, committed_at = threading.Event(), []

        def hold(holding=holding, committed_at=committed_at):
            with first.begin() as conn:
                conn.execute(text("INSERT INTO scan VALUES (1)"))
                holding.set()
                time.sleep(HOLD_S)
            committed_at.append(time.perf_counter())

        holder = threading.Thread(target=hold)
        holder.start()
        holding.wait()
        with second.begin() as conn:
            began_at = time.perf_counter()
            conn.execute(text("INSERT INTO scan VALUES (2)"))
        holder.join()
        handovers.append(began_at - committed_at[0])
    # SQLite's own polling would have started it 18 ms after the commit (its sleeps add up to
    # 78 ms when the lock is held 60).
    assert statistics.median(handovers) < 0.010, handovers
    with first.connect() as conn:
        assert conn.execute(text("SELECT n, count(*) FROM scan GROUP BY n ORDER BY n")).all() == [(1, 10), (2, 10)]


def test_the_busy_timeout_still_ends_a_wait_with_database_is_locked(engines):
    first, second = engines
    impatient = second.execution_options(**{BUSY_TIMEOUT_OPTION: 100})
    with first.begin() as conn:
        conn.execute(text("INSERT INTO scan VALUES (1)"))
        began = time.monotonic()
        with pytest.raises(OperationalError) as refused:
            with impatient.begin():
                pass
        assert is_locked(refused.value)
        assert 0.09 <= time.monotonic() - began < 2
    with impatient.begin() as conn:  # the holder committed: the lock is free again
        conn.execute(text("INSERT INTO scan VALUES (2)"))


def test_a_waiting_transaction_is_told_every_step_while_another_writes(engines):
    first, second = engines
    told = []
    holder_done = threading.Event()

    def hold():
        with first.begin() as conn:
            conn.execute(text("INSERT INTO scan VALUES (1)"))
            time.sleep(0.35)
        holder_done.set()

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    with transaction(second, on_busy=lambda: told.append(time.monotonic())) as session:
        assert holder_done.is_set()
        session.exec(text("INSERT INTO scan VALUES (2)"))
    holder.join()
    assert 2 <= len(told) <= 4


def test_rollback_and_a_refused_begin_let_go_of_the_lock(engines, tmp_path):
    first, second = engines
    with pytest.raises(RuntimeError):
        with first.begin() as conn:
            conn.execute(text("INSERT INTO scan VALUES (1)"))
            raise RuntimeError("the scan was wrong")
    # Another process holds SQLite's lock: this process's writer is refused at BEGIN ...
    other_process = sqlite3.connect(tmp_path / "ledger.db", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    with pytest.raises(OperationalError) as refused:
        with first.execution_options(**{BUSY_TIMEOUT_OPTION: 50}).begin():
            pass
    assert is_locked(refused.value)
    other_process.execute("COMMIT")
    other_process.close()
    # ... and neither the rollback nor the refusal kept this process's lock.
    with second.execution_options(**{BUSY_TIMEOUT_OPTION: 500}).begin() as conn:
        conn.execute(text("INSERT INTO scan VALUES (3)"))
    with first.connect() as conn:
        assert conn.execute(text("SELECT n FROM scan")).scalars().all() == [3]

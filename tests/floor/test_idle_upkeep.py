"""Upkeep between inputs: the terminal checkpoints SQLite's write-ahead log while it waits for
the next input, so the commit of a scan does not."""

import shutil
import sqlite3
from contextlib import closing

from sqlalchemy import text

from tests.floor.kit import Desk
from wms_tui.services.floor import terminal
from wms_tui.store.db import checkpoint_wal, make_engine, sqlite_url


def test_idle_checkpoints_once_enough_inputs_were_committed(runtime, monkeypatch):
    checkpointed = []
    monkeypatch.setattr(terminal, "checkpoint_wal", checkpointed.append)
    monkeypatch.setattr(terminal, "CHECKPOINT_EVERY", 3)
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")  # the PIN's input is the first transaction
    desk.scan("1")
    desk.terminal.idle()
    assert checkpointed == []
    desk.key("f10")
    desk.terminal.idle()
    assert checkpointed == [runtime.engine]
    desk.terminal.idle()  # nothing committed since
    assert checkpointed == [runtime.engine]


def rows_in_file_alone(path, folder) -> int:
    """Rows of table t in a copy of the database file without its write-ahead log."""
    copy = folder / "copy.db"
    shutil.copy(path, copy)
    with closing(sqlite3.connect(copy)) as connection:
        return connection.execute("SELECT COUNT(*) FROM t").fetchone()[0]


def test_a_checkpoint_writes_what_was_committed_into_the_database_file(tmp_path):
    path = tmp_path / "wms.db"
    engine = make_engine(sqlite_url(path))
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
        checkpoint_wal(engine)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1), (2)"))
        assert rows_in_file_alone(path, tmp_path) == 0  # committed into the log only
        checkpoint_wal(engine)
        assert rows_in_file_alone(path, tmp_path) == 2
    finally:
        engine.dispose()

import subprocess
import sys

from wms_tui.store.db import make_engine, replaceable, sqlite_url


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "t.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_replaceable_writes_skip_the_sync_to_disk_and_the_next_plain_write_syncs_again(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "t.db"))
    modes = []
    for transaction in (engine, replaceable(engine), replaceable(engine), engine):
        with transaction.begin() as conn:  # one pooled connection: the mode is set per transaction
            modes.append(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    assert modes == [2, 1, 1, 2]  # FULL, NORMAL, NORMAL, FULL
    engine.dispose()


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "wms_tui", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "report" in result.stdout and "demo" in result.stdout

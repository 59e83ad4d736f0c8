import subprocess
import sys

from wms_tui.store.db import make_engine, sqlite_url


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "t.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    engine.dispose()


def test_python_dash_m_is_the_same_command():
    result = subprocess.run([sys.executable, "-m", "wms_tui", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Usage:" in result.stdout and "report" in result.stdout and "demo" in result.stdout

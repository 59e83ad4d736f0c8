"""The floor tests run on both databases a terminal may work on: its own SQLite file, and the
central PostgreSQL database directly (a thin session: see docs/thin-sessions.md)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import new_pg_database
from tests.floor.kit import another_terminal, runtime_on
from wms_tui.store.db import sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def demo_url(request, tmp_path) -> Iterator[str]:
    """The demo warehouse for one test: a copy of the SQLite template, or a clone of the
    PostgreSQL one."""
    if request.param == "sqlite":
        path = tmp_path / "wms.db"
        shutil.copy(request.getfixturevalue("demo_template"), path)
        yield sqlite_url(path)
        return
    url, drop = new_pg_database(request.getfixturevalue("pg_admin_url"), request.getfixturevalue("pg_demo_template"))
    yield url
    drop()


@pytest.fixture
def runtime(demo_url, tmp_path):
    """Terminal HH1 on the test's demo warehouse (`another_terminal` adds more)."""
    runtime = runtime_on(demo_url, tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture
def locking(runtime, tmp_path):
    """Terminal HH2 on the same database as `runtime` (HH1), locking after 3 failures."""
    locking = another_terminal(runtime, tmp_path, "HH2",
                               extra="[security]\nmax_failures = 3\nlockout_s = 60\nmax_lockout_s = 600\n")
    yield locking
    locking.close()

"""Shared fixtures: real SQLite files and a real PostgreSQL server for every ledger test."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from wms_tui.store import migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.pgserver import PgUnavailable, ThrowawayPostgres

REQUIRE_PG = os.environ.get("WMS_REQUIRE_PG") == "1"
_skipped_pg_tests: list[str] = []


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Admin URL of the test server: WMS_TEST_PG_URL, or a throwaway server started here."""
    configured = os.environ.get("WMS_TEST_PG_URL")
    if configured:
        yield configured
        return
    try:
        server = ThrowawayPostgres()
        url = server.start()
    except PgUnavailable as exc:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required (WMS_REQUIRE_PG=1) but could not start: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    try:
        yield url
    finally:
        server.stop()


def _admin_engine(admin_url: str) -> Engine:
    return create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")


def _template_database(pg_admin_url: str, fill: Callable[[Engine], None]) -> Iterator[str]:
    """A migrated database filled by `fill`, for tests to clone (CREATE DATABASE ... TEMPLATE is fast)."""
    name = f"wms_template_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine(pg_admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False))
    migrate.upgrade(engine)
    fill(engine)
    engine.dispose()  # a template database must have no connections when it is cloned
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """A migrated, empty database that each test clones."""
    yield from _template_database(pg_admin_url, lambda engine: None)


@pytest.fixture(scope="session")
def pg_demo_template(pg_admin_url: str) -> Iterator[str]:
    """The demo warehouse of `demo_template` on PostgreSQL, built once per run."""
    from tests.floor.kit import fill_demo

    yield from _template_database(pg_admin_url, fill_demo)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(sqlite_url(path))
    migrate.upgrade(engine)
    engine.dispose()  # the last connection to close checkpoints the WAL into the file
    return path


def new_pg_database(pg_admin_url: str, template: str) -> tuple[str, callable]:
    name = f"wms_test_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(pg_admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request, tmp_path) -> Iterator[str]:
    """A freshly migrated database URL, once on a SQLite file and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "ledger.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield sqlite_url(path)
        return
    url, drop = new_pg_database(request.getfixturevalue("pg_admin_url"), request.getfixturevalue("pg_template"))
    yield url
    drop()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo warehouse, built once per run (floor and UI tests copy it)."""
    from tests.floor.kit import build_template

    return build_template(tmp_path_factory.mktemp("floor-template"))


@pytest.fixture
def runtime(demo_template, tmp_path):
    """The demo database copied for one test, as terminal HH1 (files may override)."""
    from tests.floor.kit import runtime_on_copy

    runtime = runtime_on_copy(demo_template, tmp_path)
    yield runtime
    runtime.close()


@pytest.fixture
def fast_retries(monkeypatch):
    """The print station retries an offline printer within tens of milliseconds."""
    from wms_tui.services import print_station

    monkeypatch.setattr(print_station, "RETRY_BASE_S", 0.05)
    monkeypatch.setattr(print_station, "RETRY_CAP_S", 0.2)
    monkeypatch.setattr(print_station, "IDLE_S", 0.05)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "pg" in report.keywords:
        _skipped_pg_tests.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # CI must not pass on SQLite alone: a skipped PostgreSQL test fails the run.
    if REQUIRE_PG and _skipped_pg_tests:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if REQUIRE_PG and _skipped_pg_tests:
        terminalreporter.write_line(
            f"FAILED: {len(_skipped_pg_tests)} PostgreSQL test(s) were skipped while WMS_REQUIRE_PG=1",
            red=True,
        )

from __future__ import annotations

import pytest

from tests.conftest import new_pg_database
from tests.factories import build_small_warehouse
from tests.sync.kit import Service, new_terminal
from wms_tui.store.db import make_engine


@pytest.fixture
def central(pg_admin_url, pg_template):
    url, drop = new_pg_database(pg_admin_url, pg_template)
    engine = make_engine(url, pool_size=10)
    build_small_warehouse(engine)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture
def service(central):
    service = Service(central)
    yield service
    service.stop()


@pytest.fixture
def terminals(central, sqlite_template, tmp_path):
    made = []

    def make(terminal_id: str):
        terminal = new_terminal(sqlite_template, tmp_path, terminal_id, central)
        made.append(terminal)
        return terminal

    yield make
    for terminal in made:
        terminal.close()

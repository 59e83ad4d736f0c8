"""A station that ran on its own becomes the start of a new central database (`wms-tui central
adopt`): central holds its data as the station does, the station syncs in step (nothing sent
twice), a terminal enrolled after pulls it all, and a central database that holds data, or a
station that syncs already, is refused with nothing changed."""

from __future__ import annotations

import json
import shutil
import threading
import time
from datetime import UTC, date, datetime

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.conftest import new_pg_database
from tests.sync.kit import Service, balances, moves_by_id
from wms_tui.cli import main
from wms_tui.domain.errors import ConfigError, InvalidInput, NotFound
from wms_tui.services import adoption as adopting
from wms_tui.services.inbound import receiving
from wms_tui.services.terminals import add_terminal
from wms_tui.store import adoption, migrate
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.integrity import check_ledger
from wms_tui.store.ledger import Ledger, MoveRequest, PostingContext
from wms_tui.store.models import (
    DocumentOutbox,
    Item,
    Location,
    Receipt,
    SiteSecret,
    SyncState,
    SyncTerminal,
)
from wms_tui.store.session import transaction
from wms_tui.sync.client import Endpoint, SyncClient

HH1 = PostingContext("HH1", "RECV1")
TODAY = date(2026, 12, 3)


@pytest.fixture
def empty_central(pg_admin_url, pg_template):
    url, drop = new_pg_database(pg_admin_url, pg_template)
    engine = make_engine(url, pool_size=10)
    yield url, engine
    engine.dispose()
    drop()


@pytest.fixture
def station(demo_template, tmp_path):
    """The demo warehouse worked on its own as HH1: goods received on a purchase order (a
    receipt, its line, a lot of moves) and a transfer between bins."""
    path = tmp_path / "station.db"
    shutil.copy(demo_template, path)
    engine = make_engine(sqlite_url(path))
    _receive(engine, "PO000001", "SKU-00045", "4")
    with engine.connect() as conn:
        item = conn.scalar(select(Item.id).where(Item.sku == "SKU-00001"))
        supplier, first, second = (conn.scalar(select(Location.id).where(Location.code == code))
                                   for code in ("SUPPLIERS", "WH1/STOCK/A-03-1", "WH1/STOCK/A-03-2"))
    Ledger(engine, HH1).post([MoveRequest(item, supplier, first, 6)])
    Ledger(engine, HH1).post([MoveRequest(item, first, second, 2)])
    yield path, engine
    engine.dispose()


class Recording(httpx.HTTPTransport):
    """The moves a terminal's requests carried to central and its answers brought back."""

    def __init__(self) -> None:
        super().__init__()
        self.moves_sent = self.moves_received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.moves_sent += len(json.loads(request.content).get("moves", []))
        response = super().handle_request(request)
        response.read()
        answer = response.json()
        self.moves_received += len(answer.get("moves", [])) + len(answer.get("news", {}).get("moves", []))
        return response


def _receive(engine, po_number: str, sku: str, count: str) -> str:
    with transaction(engine) as session:
        receipt = receiving.start_receipt(session, po_number)
        receiving.receive_scan(session, HH1, receipt.number, sku, count=count, today=TODAY)
    return receipt.number


def _contents(engine, table) -> list[tuple]:
    """A table's rows, in one order, each moment in UTC (SQLite keeps them without a zone)."""
    def same_zone(value):
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value

    with engine.connect() as conn:
        return sorted((tuple(map(same_zone, row)) for row in conn.execute(select(table))), key=repr)


def _rows(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return adoption.rows_to_copy(conn)


def test_adopted_station_is_centrals_start_and_syncs_in_step(station, empty_central, sqlite_template, tmp_path):
    path, engine = station
    url, central = empty_central
    expected_rows, expected_moves = _rows(engine), moves_by_id(engine)
    hh1_moves = sum(1 for terminal_id, _, _ in expected_moves.values() if terminal_id == "HH1")

    result = CliRunner().invoke(main, ["central", "adopt", str(path), "--terminal", "HH1", "--warehouse", "wh1", "--url", url],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"central holds HH1's moves up to {hh1_moves}" in result.output
    secret = result.output.strip().splitlines()[-1]

    # Central holds the station's data as the station does, row for row.
    assert _rows(central) == expected_rows
    for table in adoption.copied_tables():
        if table.name != "site_secret":
            assert _contents(central, table) == _contents(engine, table), table.name
    assert moves_by_id(central) == expected_moves
    assert balances(central) == balances(engine) != {}
    with central.connect() as conn:
        assert check_ledger(conn).problems == []
        central_key = conn.scalar(select(SiteSecret.value))
        enrolled = conn.execute(select(SyncTerminal)).one()
    assert (enrolled.terminal_id, enrolled.applied_sequence) == ("HH1", hh1_moves)
    with engine.connect() as conn:  # the operators' badge hashes were made with the station's key
        assert conn.scalar(select(SiteSecret.value)) == central_key

    service = Service(central)
    try:
        # In step: the station sends none of its moves again and pulls nothing it holds.
        wire = Recording()
        client = SyncClient(engine, Endpoint(service.url, "HH1", "WH1", secret), transport=wire)
        report = client.sync_once()
        assert (report.pushed, report.pulled_moves, report.documents_sent) == (0, 0, 0)
        assert (wire.moves_sent, wire.moves_received) == (0, 0)
        # What it does from now on travels: a receipt (numbered for the terminal) and its moves.
        number = _receive(engine, "PO000002", "SKU-00001", "3")
        report = client.sync_once()
        assert report.pushed == 1 and report.documents_sent > 0
        with central.connect() as conn:
            assert conn.scalar(select(Receipt.number).where(Receipt.number == number)) == number
        assert "HH1" in number
        assert moves_by_id(central) == moves_by_id(engine)
        client.close()

        # A terminal enrolled afterwards pulls all of it: the moves of the demo and of HH1.
        shutil.copy(sqlite_template, tmp_path / "HH2.db")
        newcomer = make_engine(sqlite_url(tmp_path / "HH2.db"))
        hh2 = SyncClient(newcomer, Endpoint(service.url, "HH2", "WH1", add_terminal(central, "HH2", "WH1")))
        hh2.sync_once()
        assert moves_by_id(newcomer) == moves_by_id(central)
        assert balances(newcomer) == balances(central)
        with newcomer.connect() as conn:
            assert check_ledger(conn).problems == []
        hh2.close()
        newcomer.dispose()
    finally:
        service.stop()


def test_a_write_of_the_station_during_the_adoption_waits_and_then_travels(station, empty_central):
    """The station's app still running: a receipt it makes while the file is copied waits for
    the copy, then is numbered and recorded for the push as a syncing terminal's."""
    path, engine = station
    _, central = empty_central
    running = make_engine(sqlite_url(path))
    received: list[str] = []
    writer = threading.Thread(target=lambda: received.append(_receive(running, "PO000002", "SKU-00001", "3")))

    def progress(_done: int, _total: int) -> None:
        if writer.ident is None:
            writer.start()
            time.sleep(0.3)  # long enough to write, were the file not locked

    adopting.adopt_station(engine, central, "HH1", "WH1", progress)
    writer.join(timeout=30)
    [number] = received
    assert number.endswith("-HH1")
    with running.connect() as conn:
        assert conn.scalar(select(func.count(DocumentOutbox.row_key.distinct())).where(DocumentOutbox.table_name == "receipt")) == 1
    with central.connect() as conn:
        assert conn.scalar(select(Receipt.id).where(Receipt.number == number)) is None  # the push brings it
    running.dispose()


def test_a_central_database_that_holds_data_is_refused_with_nothing_changed(station, central):
    _, engine = station
    before = _rows(central)
    with pytest.raises(adoption.NotEmpty, match="already holds"):
        adopting.adopt_station(engine, central, "HH1", "WH1")
    assert _rows(central) == before
    with central.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SyncTerminal)) == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SyncState)) == 0


def test_an_unknown_warehouse_leaves_central_empty(station, empty_central):
    _, engine = station
    _, central = empty_central
    with pytest.raises(NotFound, match="WH9"):
        adopting.adopt_station(engine, central, "HH1", "WH9")
    with central.connect() as conn:
        adoption.check_empty(conn)  # the copy was rolled back with the enrolment
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(SyncState)) == 0


def test_a_bad_terminal_id_or_station_file_is_refused(station, empty_central, tmp_path):
    _, engine = station
    _, central = empty_central
    with pytest.raises(InvalidInput, match="must be 1-40 letters"):
        adopting.adopt_station(engine, central, "HH 1", "WH1")
    with transaction(engine) as session:
        session.add(SyncState(terminal_id="HH1"))
    with pytest.raises(InvalidInput, match="already syncs as terminal HH1"):
        adopting.adopt_station(engine, central, "HH1", "WH1")
    older = make_engine(sqlite_url(tmp_path / "older.db"))
    migrate.upgrade(older, "0028_sparse_move_indexes")
    with pytest.raises(ConfigError, match="not at the schema of this release"):
        adopting.adopt_station(older, central, "HH1", "WH1")
    older.dispose()
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"not a database at all" * 100)
    damaged_engine = make_engine(sqlite_url(damaged))
    with pytest.raises(ConfigError, match="the station's file cannot be read: file is not a database"):
        adopting.adopt_station(damaged_engine, central, "HH1", "WH1")
    damaged_engine.dispose()
    with central.connect() as conn:
        adoption.check_empty(conn)


def test_the_tables_kept_apart_exist_and_no_copied_row_names_one():
    """The adoption copies every table but those it names (a new document table travels
    without a change here): the names must be tables, and a copied row may only reference
    copied rows (else central's foreign keys would refuse the copy)."""
    from sqlmodel import SQLModel

    assert adoption.DERIVED | adoption.STATION_ONLY | adoption.CENTRAL_ONLY <= set(SQLModel.metadata.tables)
    copied = {table.name for table in adoption.copied_tables()}
    for table in adoption.copied_tables():
        assert {fk.column.table.name for fk in table.foreign_keys} <= copied, table.name

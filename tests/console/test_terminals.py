"""Terminals at the console (F8, tab 4, and the dashboard's panel): a single station says it has
none; on the central PostgreSQL a terminal is enrolled (its secret shown once, kept only as a
hash), syncs with the real service (last contact, tasks leased, shown live on the dashboard) and
is revoked by a supervisor's badge and PIN, after which the service refuses it."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import Session, select

from tests.conftest import new_pg_database
from tests.console.deskkit import (
    SIZE,
    SUPERVISOR_BADGE,
    answer,
    cells,
    console,
    rendered,
    said,
    settle,
)
from tests.floor.kit import runtime_on
from tests.sync.kit import Service
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome
from wms_tui.domain.sync import SyncRefused, secret_digest
from wms_tui.services.demo import DEMO_PIN
from wms_tui.store.db import make_engine, sqlite_url
from wms_tui.store.models import AuthEvent, SyncTerminal
from wms_tui.sync.client import Endpoint, SyncClient
from wms_tui.ui.console.terminals import SecretShown

PICKER_BADGE = "BADGE-0001"


async def shown(app, pilot, wanted, timeout_s: float = 6.0) -> bool:
    """Whether the terminals table comes to show what `wanted` looks for, without a key."""
    for _ in range(int(timeout_s / 0.1)):
        if wanted(cells(app, "terminals")):
            return True
        await pilot.pause(0.1)
    return False


async def test_a_single_station_says_it_has_no_terminals(runtime, tmp_path):
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "none: a single station" in await rendered(app, pilot, "terminals-none", "single station")
        await pilot.press("f8", "4")
        await settle(app, pilot)
        assert cells(app, "terminals") == []
        assert await rendered(app, pilot, "terminals-none", "Terminals") == ("Terminals: none: a single station "
                                                                             "(a SQLite file no terminal syncs with)")
        await pilot.press("i")
        await answer(app, pilot, terminal="HH7", warehouse="WH1")
        text, refused = said(app)
        assert refused and "central PostgreSQL database" in text, text
    with Session(runtime.engine) as session:
        assert session.exec(select(SyncTerminal)).all() == []


@pytest.fixture
def central_runtime(pg_admin_url, pg_demo_template, tmp_path):
    url, drop = new_pg_database(pg_admin_url, pg_demo_template)
    runtime = runtime_on(url, tmp_path, terminal="DESK1")
    yield runtime
    runtime.close()
    drop()


@pytest.mark.pg
async def test_enrol_sync_and_revoke_a_terminal_on_the_central_database(central_runtime, sqlite_template, tmp_path):
    runtime = central_runtime
    service = Service(runtime.engine)
    shutil.copy(sqlite_template, tmp_path / "HH7.db")
    terminal = make_engine(sqlite_url(tmp_path / "HH7.db"))
    client = None
    try:
        app = console(runtime, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert "none enrolled yet" in await rendered(app, pilot, "terminals-none", "none enrolled")
            await pilot.press("f8", "4")
            await settle(app, pilot)
            assert await rendered(app, pilot, "terminals-none", "Terminals") == "Terminals: none enrolled yet"
            await pilot.press("i")
            await answer(app, pilot, terminal="HH7", warehouse="wh1")
            assert isinstance(app.screen, SecretShown)
            secret = str(app.screen.query_one("#secret").render())
            with Session(runtime.engine) as session:
                stored = session.get(SyncTerminal, "HH7")
                assert stored.secret_hash == secret_digest(secret) != secret
            await pilot.press("enter")
            await settle(app, pilot)
            assert said(app) == ("terminal HH7 enrolled for WH1: its secret was shown once", False)
            assert secret not in str(app.screen.query_one("#said").render())
            assert cells(app, "terminals") == [["HH7", "WH1", "active", "never", "0", "0", "0"]]
            assert not app.screen.query_one("#terminals-none").display
            await pilot.press("i")
            await answer(app, pilot, terminal="HH7", warehouse="WH1")
            assert said(app) == ("terminal HH7 is already enrolled (revoke it and enrol another id)", True)
            assert not isinstance(app.screen, SecretShown)

            client = SyncClient(terminal, Endpoint(service.url, "HH7", "WH1", secret), tasks_held=3)
            await pilot.press("f2")
            await settle(app, pilot)
            client.sync_once()  # its first round: master data, and three tasks leased to it
            # The dashboard reads again by itself: the contact shows without a key pressed.
            assert await shown(app, pilot, lambda rows: rows and rows[0][1].endswith(" s ago"))
            assert [row[0::2] for row in cells(app, "terminals")] == [["HH7", "active"]]
            await pilot.press("f8")
            await settle(app, pilot)
            row = cells(app, "terminals")[0]
            assert row[:3] == ["HH7", "WH1", "active"] and row[3].endswith(" s ago") and row[4:] == ["0", "3", "0"]

            await pilot.press("x")
            await answer(app, pilot, badge=PICKER_BADGE, pin=DEMO_PIN)
            assert said(app) == ("PICK1 is a picker: only a supervisor may approve this", True)
            await pilot.press("x")
            await answer(app, pilot, badge=SUPERVISOR_BADGE, pin="0000")
            assert said(app) == (REFUSED, True)
            client.exchange_tasks()  # not revoked: still served
            await pilot.press("x")
            await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN)
            assert said(app) == ("terminal HH7 revoked by SUP1: its next request is refused", False)
            assert cells(app, "terminals")[0][2] == "revoked"
            await pilot.press("x")
            await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN)
            assert said(app) == ("terminal HH7 was already revoked", True)
        with pytest.raises(SyncRefused) as refused:
            client.sync_once()
        assert refused.value.status == 403 and "HH7 was revoked" in str(refused.value)
        with Session(runtime.engine) as session:
            approvals = session.exec(select(AuthEvent.operator, AuthEvent.outcome).where(
                AuthEvent.kind == AuthKind.APPROVAL, AuthEvent.detail.startswith("revoke terminal HH7"))).all()
        assert [outcome for operator, outcome in approvals if operator == "SUP1"].count(AuthOutcome.OK) == 1
    finally:
        if client is not None:
            client.close()
        terminal.dispose()
        service.stop()

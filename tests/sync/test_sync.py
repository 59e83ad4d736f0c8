"""Terminals working one warehouse offline, then synced through the real service and a real
central PostgreSQL: nothing lost, nothing doubled, every ledger the same."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.sync.kit import assert_converged, balances
from wms_tui.central import protocol
from wms_tui.domain.auth import BADGE_KEY, SecurityPolicy
from wms_tui.domain.states import ExceptionKind, Resolution
from wms_tui.services import operators
from wms_tui.services.demo import DEMO_PIN
from wms_tui.services.desks.exceptions import exceptions, resolve
from wms_tui.services.terminals import central_status
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import SiteSecret
from wms_tui.store.session import reading, transaction

pytestmark = pytest.mark.pg


def sync_all(terminals, url):
    for _ in range(2):  # the second round brings each terminal what the others pushed after it
        for terminal in terminals:
            terminal.client(url).sync_once()


def test_two_terminals_converge(central, service, terminals):
    t1, t2 = terminals("T1"), terminals("T2")
    t1.receive_and_pick(10, 3)
    t2.receive_and_pick(5, 2, "bin_b")
    site = t2.site
    t2.post(MoveRequest(site.milk.id, site.supplier.id, site.bin_b.id, 4, lot_id=site.milk_lot.id))
    sync_all([t1, t2], service.url)
    assert_converged(central, [t1, t2])
    assert balances(central)[("W-1", "WH1/STOCK/A-01-01", None, None)] == 7
    assert balances(t1.engine)[("M-1", "WH1/STOCK/A-01-02", "L2409", None)] == 4
    # Synced again with nothing new: nothing changes.
    report = t1.client(service.url).sync_once()
    assert (report.pushed, report.pulled_moves) == (0, 0)
    assert_converged(central, [t1, t2])


def test_waiting_pulls_wake_when_a_move_lands(central, service, terminals, monkeypatch):
    """Pulls waiting on one service process share its watch of the change counters: one push
    wakes them all, well before their wait is over, and one read answers the three (they wait
    at the same cursors); with nothing new a pull waits it out."""
    reads = []
    read_changes = protocol.read_changes

    def counted(*arguments):
        reads.append(time.monotonic())
        return read_changes(*arguments)

    monkeypatch.setattr(protocol, "read_changes", counted)
    t1, waiting = terminals("T1"), [terminals(f"W{n}") for n in range(3)]
    for terminal in [t1, *waiting]:
        terminal.client(service.url).sync_once()
    started = time.monotonic()
    assert waiting[0].client(service.url).pull(wait_s=0.5) == (0, 0)
    assert time.monotonic() - started >= 0.5
    with ThreadPoolExecutor(3) as pool:
        pulls = [pool.submit(terminal.client(service.url).pull, 20) for terminal in waiting]
        time.sleep(0.5)  # all three are waiting now
        t1.receive_and_pick(4, 1)
        pushed = time.monotonic()
        t1.client(service.url).push()
        assert [pull.result() for pull in pulls] == [(2, 0)] * 3
    assert time.monotonic() - pushed < 5
    assert len([at for at in reads if at > pushed]) == 1


def test_twenty_terminals_converge(central, service, terminals):
    fleet = [terminals(f"T{n:02}") for n in range(20)]
    for terminal in fleet:
        terminal.receive_and_pick(4, 1)

    def sync(terminal):
        terminal.client(service.url).sync_once()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(sync, fleet))
        list(pool.map(sync, fleet))
    assert_converged(central, fleet)
    assert balances(central)[("W-1", "WH1/STOCK/A-01-01", None, None)] == 60


def test_a_bin_driven_negative_is_accepted_and_raised(central, service, terminals):
    t1, t2 = terminals("T1"), terminals("T2")
    t1.receive_and_pick(5, 1)
    sync_all([t1, t2], service.url)
    site = t2.site
    # Both pick the last 4 from the same bin while offline: central goes to -4.
    t1.post(MoveRequest(t1.site.widget.id, t1.site.bin_a.id, t1.site.customer.id, 4))
    t2.post(MoveRequest(site.widget.id, site.bin_a.id, site.customer.id, 4))
    sync_all([t1, t2], service.url)
    assert_converged(central, [t1, t2])
    assert balances(central)[("W-1", "WH1/STOCK/A-01-01", None, None)] == -4
    assert central_status(central).open_conflicts == 1
    assert {t.terminal_id: t.open_conflicts for t in central_status(central).terminals} == {"T1": 0, "T2": 1}
    waiting = [e for e in exceptions(central).waiting if e.kind is ExceptionKind.SYNC_CONFLICT]
    assert [e.what for e in waiting] == ["negative balance: W-1 at WH1/STOCK/A-01-01 is -4.000 after moves of T2"]
    with transaction(central) as session:
        operators.create_operator(session, "SUP1", "Supervisor", "supervisor", badge="BADGE-SUP1", pin=DEMO_PIN)
    resolve(central, PostingContext("CENTRAL", "OFFICE1"), ExceptionKind.SYNC_CONFLICT, waiting[0].reference, Resolution.ACCEPTED,
            badge="BADGE-SUP1", pin=DEMO_PIN, policy=SecurityPolicy())
    assert central_status(central).open_conflicts == 0
    assert [t.open_conflicts for t in central_status(central).terminals] == [0, 0]


def test_an_operator_enrolled_centrally_signs_in_by_badge_on_a_terminal(central, service, terminals):
    with transaction(central) as session:
        operators.create_operator(session, "ann", "Ann", "picker", badge="B-ANN", pin="4739")
    t1 = terminals("T1")
    with reading(t1.engine) as session:
        own_key = session.get(SiteSecret, BADGE_KEY).value
    t1.client(service.url).sync_once()
    with transaction(t1.engine) as session:
        assert session.get(SiteSecret, BADGE_KEY).value != own_key  # central's key now
        verdict = operators.sign_in(session, "B-ANN", "4739", terminal="T1", policy=SecurityPolicy())
    assert verdict.operator is not None and verdict.operator.code == "ANN", verdict.problem

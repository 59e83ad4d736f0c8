"""A push batch of COPY's size is resolved (natural keys to ids, rows written out as COPY text)
before its transaction, while the batch before it is applied; what that resolution cannot
stand for (a lot central does not know yet, moves central holds already) is resolved in the
transaction as before, and a group joins both kinds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select, text

from tests.sync.kit import HeldGroups, assert_converged
from wms_tui.services import catalog
from wms_tui.store import replication
from wms_tui.store.ledger import MOVES, MoveRequest
from wms_tui.store.models import Item, Lot
from wms_tui.store.session import transaction

pytestmark = pytest.mark.pg

BIG = replication.COPY_FROM_MOVES + 6


@pytest.fixture
def resolved_in_transaction(monkeypatch):
    """The moves each push group resolved in its transaction, by terminal."""
    calls: list[dict[str, int]] = []
    resolve = replication.resolve_moves

    def counted(conn, terminals, moves, parsed, received_at):
        calls.append({terminal: terminals.count(terminal) for terminal in set(terminals)})
        return resolve(conn, terminals, moves, parsed, received_at)

    monkeypatch.setattr(replication, "resolve_moves", counted)
    return calls


def receipts(terminal, count: int, **lot) -> None:
    site = terminal.site
    item = site.milk if lot else site.widget
    terminal.post(*(MoveRequest(item.id, site.supplier.id, site.bin_a.id, 1, **lot) for _ in range(count)))


def sync_all(terminals, url):
    for _ in range(2):
        for terminal in terminals:
            terminal.client(url).sync_once()


def test_a_big_batch_is_resolved_ahead_and_one_with_a_new_lot_in_its_transaction(central, service, terminals, resolved_in_transaction):
    plain, lotted = terminals("T0"), terminals("T1")
    receipts(plain, BIG)
    with transaction(lotted.engine) as session:  # a lot only this terminal knows
        new_lot = catalog.get_or_create_lot(session, session.get(Item, lotted.site.milk.id), "L-NEW", date(2027, 3, 1))
    receipts(lotted, BIG, lot_id=new_lot.id)
    assert plain.client(service.url).push() == BIG
    assert resolved_in_transaction == []  # the whole batch came resolved
    assert lotted.client(service.url).push() == BIG
    assert resolved_in_transaction == [{"T1": BIG}]  # central created the lot in the push's transaction
    with central.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Lot).where(Lot.code == "L-NEW")) == 1
    sync_all([plain, lotted], service.url)
    assert_converged(central, [plain, lotted])


def test_a_big_batch_that_is_partly_a_resend_applies_only_its_new_moves(central, service, terminals, resolved_in_transaction):
    terminal = terminals("T0")
    receipts(terminal, BIG)
    assert terminal.client(service.url).push() == BIG
    with terminal.engine.begin() as conn:  # central's answer was lost after move 10
        conn.execute(text("UPDATE sync_state SET acknowledged_sequence = 10 WHERE terminal_id = 'T0'"))
    receipts(terminal, 30)
    assert terminal.client(service.url).push() == 30
    assert resolved_in_transaction == [{"T0": 30}]  # the resent moves are not resolved again
    with central.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(MOVES)) == BIG + 30
    sync_all([terminal], service.url)
    assert_converged(central, [terminal])


def test_a_group_joins_a_batch_resolved_ahead_with_pushes_resolved_in_its_transaction(central, service, terminals,
                                                                                    resolved_in_transaction, monkeypatch):
    first, big, small = terminals("T0"), terminals("T1"), terminals("T2")
    first.receive_and_pick(3, 1)
    receipts(big, BIG)
    small.receive_and_pick(4, 2)
    held = HeldGroups(monkeypatch)
    with ThreadPoolExecutor(3) as pool:
        pushed = [pool.submit(first.client(service.url).push)]
        assert held.holding.wait(30)
        pushed += [pool.submit(terminal.client(service.url).push) for terminal in (big, small)]
        held.release_when_received(3)  # both wait behind the first group now
        assert [push.result(timeout=60) for push in pushed] == [2, BIG, 2]
    assert held.groups == [["T0"], ["T1", "T2"]]
    # T0's group and T2's two moves were resolved in their transactions, T1's batch ahead.
    assert resolved_in_transaction == [{"T0": 2}, {"T2": 2}]
    sync_all([first, big, small], service.url)
    assert_converged(central, [first, big, small])

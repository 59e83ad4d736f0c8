"""Pushes that arrive while another is applied are applied together in the next transaction;
a group that fails as a whole is applied again one push at a time, so only the bad push is
refused."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from tests.sync.kit import HeldGroups
from wms_tui.domain.sync import SyncRefused
from wms_tui.services import catalog
from wms_tui.store.ledger import MOVES, MoveRequest
from wms_tui.store.models import Location
from wms_tui.store.session import transaction

pytestmark = pytest.mark.pg


def test_pushes_arriving_together_share_a_transaction_and_a_bad_one_is_refused_alone(central, service, terminals, monkeypatch):
    first, bad, *good = [terminals(f"T{n}") for n in range(4)]
    for terminal in (first, bad, *good):
        terminal.receive_and_pick(3, 1)
    with transaction(bad.engine) as session:  # a bin central does not know
        stray = catalog.add_bin(session, session.get(Location, bad.site.stock.id), "Z-99")
    bad.post(MoveRequest(bad.site.widget.id, bad.site.supplier.id, stray.id, 1))
    held = HeldGroups(monkeypatch)
    with ThreadPoolExecutor(4) as pool:
        pushed = {first.terminal_id: pool.submit(first.client(service.url).push)}
        assert held.holding.wait(30)
        pushed.update((terminal.terminal_id, pool.submit(terminal.client(service.url).push)) for terminal in (bad, *good))
        held.release_when_received(4)  # the three wait behind the first now
        assert [pushed[t.terminal_id].result(timeout=60) for t in (first, *good)] == [2, 2, 2]
        with pytest.raises(SyncRefused) as refused:
            pushed[bad.terminal_id].result(timeout=60)
    assert refused.value.status == 422 and "Z-99" in str(refused.value)
    # The three together, failed whole for T1's bin; then each alone.
    assert held.groups[:2] == [["T0"], ["T1", "T2", "T3"]]
    assert sorted(held.groups[2:]) == [["T1"], ["T2"], ["T3"]]
    with central.connect() as conn:
        held = dict(conn.execute(select(MOVES.c.terminal_id, func.count()).group_by(MOVES.c.terminal_id)).all())
    assert held == {"T0": 2, "T2": 2, "T3": 2}

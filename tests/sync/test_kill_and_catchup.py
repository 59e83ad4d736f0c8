"""The service killed (kill -9) in the middle of applying a batch, and a terminal catching up
after 10,000 moves of its own and 10,000 of another terminal: nothing lost, nothing doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import text

from tests.sync.kit import Terminal, assert_converged, free_port, moves_by_id
from wms_tui.store.ledger import MoveRequest
from wms_tui.sync.client import Offline

pytestmark = pytest.mark.pg

SERVE = "import sys; from wms_tui.cli import main; sys.argv[0] = 'wms-tui'; main()"


def serve(central, port: int) -> subprocess.Popen:
    """`wms-tui central serve` as its own process, up and answering."""
    url = central.url.render_as_string(hide_password=False)
    child = subprocess.Popen([sys.executable, "-c", SERVE, "central", "serve", "--url", url, "--port", str(port)], env={**os.environ})
    deadline = time.monotonic() + 60  # a cold start of the CLI on a busy 2-core machine
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1).raise_for_status()
            return child
        except httpx.HTTPError:
            assert child.poll() is None and time.monotonic() < deadline, "the service did not start"
            time.sleep(0.05)


def post_many(terminal: Terminal, count: int) -> None:
    """`count` moves in one go: receipts into a bin, then as many picks out of it."""
    site = terminal.site
    half = count // 2
    terminal.post(*[MoveRequest(site.widget.id, site.supplier.id, site.bin_a.id, 2) for _ in range(half)],
                  *[MoveRequest(site.widget.id, site.bin_a.id, site.customer.id, 1) for _ in range(count - half)])


def test_the_service_killed_mid_apply_loses_and_doubles_nothing(central, terminals):
    t1, t2 = terminals("T1"), terminals("T2")
    post_many(t1, 6000)
    post_many(t2, 10)
    port = free_port()
    service = serve(central, port)
    url = f"http://127.0.0.1:{port}"
    try:
        outcome: list[BaseException | None] = []

        def push() -> None:
            try:
                t1.client(url, batch_size=6000).push()
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - the test reads what happened
                outcome.append(exc)

        pusher = threading.Thread(target=push)
        pusher.start()
        # Kill it once its transaction has written (its xid is assigned) and before it commits.
        with central.connect() as conn:
            while not conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL")).scalar_one():
                assert pusher.is_alive(), outcome
                conn.commit()
        service.send_signal(signal.SIGKILL)
        service.wait()
        pusher.join(30)
        assert isinstance(outcome[0], Offline)
        assert moves_by_id(central) == {}  # the killed transaction left nothing behind
        service = serve(central, port)
        for _ in range(2):
            for terminal in (t1, t2):
                terminal.client(url).sync_once()
    finally:
        service.send_signal(signal.SIGKILL)
        service.wait()
    assert_converged(central, [t1, t2])


def test_offline_terminal_catches_up_10000_own_and_10000_others_moves(central, service, terminals):
    t1, t2 = terminals("T1"), terminals("T2")
    t1.client(service.url).sync_once()
    post_many(t1, 10_000)  # T1 is offline meanwhile
    post_many(t2, 10_000)
    t2.client(service.url).sync_once()
    started = time.monotonic()
    report = t1.client(service.url).sync_once()
    caught_up = time.monotonic() - started
    assert (report.pushed, report.pulled_moves) == (10_000, 10_000)
    t2.client(service.url).sync_once()
    assert_converged(central, [t1, t2])
    print(f"T1 caught up 10,000 + 10,000 moves in {caught_up:.1f} s")

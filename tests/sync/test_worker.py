"""The terminal's sync worker: what the floor posts leaves at once (not after the long poll),
other terminals' moves arrive while nothing is pushed, a pull that brought news is not followed
by the next sooner than the gap, and task leases are not asked for on every push."""

from __future__ import annotations

import threading
import time

import pytest

from tests.sync.kit import moves_by_id
from wms_tui.store.ledger import MoveRequest
from wms_tui.sync.worker import SyncWorker

pytestmark = pytest.mark.pg

LONG_POLL_S = 30.0  # far longer than any wait below: nothing may depend on a poll running out


def wait_until(check, timeout: float = 10.0) -> float:
    """Seconds until check() held."""
    began = time.monotonic()
    while not check():
        assert time.monotonic() - began < timeout, "timed out"
        time.sleep(0.02)
    return time.monotonic() - began


class Recorded:
    """Wraps a client's requests: the paths posted and when each pull began and what it brought."""

    def __init__(self, client) -> None:
        self.paths: list[str] = []
        self.pulls: list[tuple[float, tuple[int, int]]] = []
        post, pull = client._post, client.pull

        def recorded_post(path, body, **options):
            self.paths.append(path)
            return post(path, body, **options)

        def recorded_pull(wait_s: float = 0):
            began = time.monotonic()
            applied = pull(wait_s)
            self.pulls.append((began, applied))
            return applied

        client._post, client.pull = recorded_post, recorded_pull


def started(terminal, url: str, **options) -> SyncWorker:
    client = terminal.client(url)
    client.sync_once()
    worker = SyncWorker(client, LONG_POLL_S, lambda _words: None, **options)
    worker.start()
    return worker


def test_a_nudged_push_leaves_while_the_pull_waits_and_others_moves_arrive(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    worker = started(a, service.url)
    try:
        time.sleep(0.3)  # the puller is waiting in its long poll now
        a.receive_and_pick(5, 1)
        worker.nudge()
        assert wait_until(lambda: len(moves_by_id(central)) == 2) < 3
        b.receive_and_pick(4, 2)
        b.client(service.url).sync_once()
        assert wait_until(lambda: len(moves_by_id(a.engine)) == 4) < 3  # a long poll answers when news lands
    finally:
        worker.stop()
    assert not any(thread.is_alive() for thread in worker._threads)


def test_a_pull_that_brought_news_waits_out_the_gap(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    client = a.client(service.url)
    client.sync_once()
    recorded = Recorded(client)
    gap = 0.5
    worker = SyncWorker(client, LONG_POLL_S, lambda _words: None, pull_gap_s=gap)
    busy = threading.Event()

    def post_all_the_time() -> None:
        pusher = b.client(service.url)
        while not busy.is_set():
            b.post(MoveRequest(b.site.widget.id, b.site.supplier.id, b.site.bin_a.id, 1))
            pusher.push()
            time.sleep(0.02)

    other = threading.Thread(target=post_all_the_time)
    other.start()
    worker.start()
    try:
        time.sleep(3)
    finally:
        busy.set()
        other.join()
        worker.stop()
    brought = [(began, applied) for began, applied in recorded.pulls if any(applied)]
    assert len(brought) >= 3
    starts = [began for began, _ in recorded.pulls]
    for (began, applied), following in zip(recorded.pulls, starts[1:], strict=False):
        if any(applied):
            assert following - began >= gap - 0.01
    assert len(recorded.pulls) <= 3 / gap + 2  # without the gap: one pull per push of B (~50 a second)


def test_leases_are_asked_for_once_per_lease_interval_not_with_every_push(central, service, terminals):
    a = terminals("A")
    client = a.client(service.url)
    client.sync_once()
    recorded = Recorded(client)
    worker = SyncWorker(client, LONG_POLL_S, lambda _words: None)
    worker.start()
    try:
        for n in range(5):
            a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
            worker.nudge()
            wait_until(lambda n=n: len(moves_by_id(central)) == n + 1)
    finally:
        worker.stop()
    assert recorded.paths.count("/push") == 5
    assert recorded.paths.count("/tasks") == 1  # the first round; the next is due LEASE_EVERY_S later


def test_picks_faster_than_the_push_gap_leave_together(central, service, terminals):
    a = terminals("A")
    client = a.client(service.url)
    client.sync_once()
    recorded = Recorded(client)
    worker = SyncWorker(client, LONG_POLL_S, lambda _words: None, push_gap_s=0.5)
    worker.start()
    try:
        for _ in range(20):  # a pick every 50 ms for a second
            a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
            worker.nudge()
            time.sleep(0.05)
        wait_until(lambda: len(moves_by_id(central)) == 20)
    finally:
        worker.stop()
    assert 2 <= recorded.paths.count("/push") <= 4  # one per 0.5 s (and the first at once), not one per pick

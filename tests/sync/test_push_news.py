"""A push may ask for central's news: its answer carries what changed after the terminal's
cursors (the other terminals' moves, master data), applied with the acknowledgement, so a
picking terminal makes one round trip per push instead of a push and a pull. News read from
cursors the terminal has since moved past is not applied: it could put back an older row."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event, select, text

from tests.sync.kit import moves_by_id
from tests.sync.test_worker import LONG_POLL_S, Recorded, wait_until
from wms_tui.domain.errors import NotFound
from wms_tui.store.ledger import MoveRequest
from wms_tui.store.models import Item, SyncState
from wms_tui.sync.worker import SyncWorker

pytestmark = pytest.mark.pg

RENAME = text("UPDATE item SET name = :name WHERE sku = 'W-1'")


def cursors(terminal) -> tuple[int, int]:
    with terminal.engine.connect() as conn:
        return tuple(conn.execute(select(SyncState.master_cursor, SyncState.warehouse_cursor)).one())


def item_name(terminal) -> str:
    with terminal.engine.connect() as conn:
        return conn.execute(select(Item.name).where(Item.sku == "W-1")).scalar_one()


def test_a_push_brings_the_other_terminals_moves_and_central_changes(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    client = a.client(service.url)
    client.sync_once()
    b.receive_and_pick(5, 2)
    b.client(service.url).push()
    with central.begin() as conn:
        conn.execute(RENAME, {"name": "Widget, blue"})
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    before = time.monotonic()

    sent = client.send_outbox(with_news=True)

    assert (sent.moves, sent.news_moves, sent.news_rows) == (1, 2, 1)
    assert client.current_at >= before
    assert moves_by_id(a.engine).keys() == moves_by_id(central).keys()  # B's two, A's own
    assert item_name(a) == "Widget, blue"
    assert client.pull() == (0, 0)  # the cursors were saved with the acknowledgement
    # Without asking, a push brings nothing.
    b.receive_and_pick(3, 1)
    b.client(service.url).push()
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    sent = client.send_outbox()
    assert (sent.moves, sent.news_moves, sent.news_rows) == (1, 0, 0)
    assert client.pull() == (2, 0)


def test_a_push_whose_answer_has_no_news_still_tells_the_puller_it_is_up_to_date(central, service, terminals):
    """One terminal picking alone: its pushes' answers bring nothing, and still stand for a pull."""
    a = terminals("A")
    client = a.client(service.url)
    client.sync_once()
    before = cursors(a)
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    asked = time.monotonic()
    sent = client.send_outbox(with_news=True)
    assert (sent.moves, sent.news_moves, sent.news_rows) == (1, 0, 0)
    assert client.current_at >= asked
    assert client.status().acknowledged == 1
    assert cursors(a)[1] > before[1]  # past the change number of its own move
    assert client.pull() == (0, 0)


def test_news_read_from_cursors_a_pull_has_moved_past_is_not_applied(central, service, terminals):
    """A's push asks for news from its cursors; before its answer is applied, A's puller gets
    there first and brings a later change of the same row. The push's answer (the row as it
    was) is left: the item keeps its later name and the cursors stay the pull's."""
    a = terminals("A")
    client = a.client(service.url)
    client.sync_once()
    with central.begin() as conn:
        conn.execute(RENAME, {"name": "Widget, first name"})
    post = client._post

    def puller_first(path, body, **options):
        answer = post(path, body, **options)
        if path == "/push":
            with central.begin() as conn:
                conn.execute(RENAME, {"name": "Widget, second name"})
            assert client.pull() == (0, 1)
        return answer

    client._post = puller_first
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))

    sent = client.send_outbox(with_news=True)
    pulled_to = cursors(a)

    assert (sent.moves, sent.news_moves, sent.news_rows) == (1, 0, 0)
    assert item_name(a) == "Widget, second name"
    assert client._current_cursors() == pulled_to
    assert moves_by_id(central).keys() == moves_by_id(a.engine).keys()


def test_a_picking_terminal_learns_the_news_from_its_pushes_and_its_puller_stands_aside(central, service, terminals):
    a, b = terminals("A"), terminals("B")
    client = a.client(service.url)
    client.sync_once()
    recorded = Recorded(client)
    news = []
    worker = SyncWorker(client, LONG_POLL_S, lambda _words: None, pull_aside_s=0.7,
                        pulled=lambda moves, rows: news.append((moves, rows)))
    b_client = b.client(service.url)
    worker.start()
    try:
        a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
        worker.nudge()
        wait_until(lambda: client.current_at > 0)
        pulls_before = len(recorded.pulls)
        for _ in range(10):  # A picks every 0.15 s; B's moves land meanwhile
            b.post(MoveRequest(b.site.widget.id, b.site.supplier.id, b.site.bin_a.id, 1))
            b_client.push()
            a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
            worker.nudge()
            time.sleep(0.15)
        wait_until(lambda: len(moves_by_id(a.engine)) == len(moves_by_id(central)) == 21)
        pulls_while_picking = len(recorded.pulls) - pulls_before
    finally:
        worker.stop()
    # The long poll that was waiting when A began may answer once; after that pushes brought the news.
    assert pulls_while_picking <= 1
    assert recorded.paths.count("/pull") <= pulls_before + 1
    assert sum(moves for moves, _ in news) == 10


def test_the_puller_waits_while_a_push_that_asked_for_the_news_is_on_its_way(central, service, terminals):
    """Under load a push takes longer than the puller's stand-aside: a pull beside it would only
    add to the load, and the push brings the news anyway."""
    a = terminals("A")
    client = a.client(service.url)
    client.sync_once()
    recorded = Recorded(client)
    post, pushes = client._post, []

    def slow_push(path, body, **options):
        if path == "/push":
            pushes.append(time.monotonic())
            time.sleep(1.5)
        return post(path, body, **options)

    client._post = slow_push
    worker = SyncWorker(client, 0.3, lambda _words: None, pull_aside_s=0.2)  # idle, it polls every 0.3 s
    worker.start()
    try:
        time.sleep(0.5)
        a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
        worker.nudge()
        wait_until(lambda: len(moves_by_id(central)) == 1)
        time.sleep(0.5)
    finally:
        worker.stop()
    sent = pushes[0]
    assert [began for began, _ in recorded.pulls if sent + 0.05 < began < sent + 1.5] == []
    assert any(began > sent + 1.5 for began, _ in recorded.pulls)  # and it polls again after


def test_news_that_cannot_be_applied_leave_the_pushes_going(central, service, terminals, monkeypatch):
    """A push's news that fail to apply locally (here: as if central sent a bin this terminal
    cannot place) do not stop the pushes: the acknowledgement is saved, the cursors stay, and
    the puller asks for the same news again (and reports the error, if it stays)."""
    a, b = terminals("A"), terminals("B")
    client = a.client(service.url)
    client.sync_once()
    b.receive_and_pick(5, 2)
    b.client(service.url).push()
    before = cursors(a)
    apply_changes = client._apply_changes

    def unplaceable(conn, answer):
        raise NotFound("unknown location code(s): WH1/STOCK/Z-99")

    monkeypatch.setattr(client, "_apply_changes", unplaceable)
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    sent = client.send_outbox(with_news=True)
    assert (sent.moves, sent.news_moves) == (1, 0)
    assert client.status().acknowledged == 1
    assert cursors(a) == before and client.current_at == float("-inf")
    monkeypatch.setattr(client, "_apply_changes", apply_changes)
    assert client.pull() == (2, 0)


def test_the_sync_commits_without_waiting_for_the_disk_and_the_floor_with(central, service, terminals):
    """What a sync writes central gives again (see store.db.replaceable): only the floor's
    own commits wait for the disk."""
    a, b = terminals("A"), terminals("B")
    client = a.client(service.url)
    client.sync_once()
    b.receive_and_pick(2, 1)
    b.client(service.url).push()
    commits = []

    @event.listens_for(a.engine, "commit")
    def mode(conn) -> None:
        commits.append(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())

    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    assert commits == [2]  # FULL
    sent = client.send_outbox(with_news=True)
    assert (sent.moves, sent.news_moves) == (1, 2)
    client.record_success()
    assert commits == [2, 1, 1]  # the acknowledgement with the news, the status: NORMAL
    a.post(MoveRequest(a.site.widget.id, a.site.supplier.id, a.site.bin_a.id, 1))
    assert commits[-1] == 2

"""Broken networks, a killed terminal, two service copies, and requests the service refuses
with a clear error and status, having applied nothing."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.sync.kit import Service, assert_converged, moves_by_id
from wms_tui.bench.faultproxy import FaultProxy
from wms_tui.central import app as central_app
from wms_tui.domain.sync import SCHEMA_HEADER, credential, schema_token
from wms_tui.services.terminals import revoke_terminal
from wms_tui.store import migrate, replication
from wms_tui.sync.client import SEQUENCE, Offline

pytestmark = pytest.mark.pg


def test_faults_lose_and_double_nothing(central, service, terminals):
    proxy = FaultProxy(service.port)
    t1, t2 = terminals("T1"), terminals("T2")
    try:
        for mode in ("drop_request", "drop_response", "reset"):
            t1.receive_and_pick(3, 1)
            t2.receive_and_pick(2, 1, "bin_b")
            proxy.mode = mode
            for terminal in (t1, t2):
                with pytest.raises(Offline):
                    terminal.client(proxy.url, timeout_s=5).sync_once()
        assert t1.client(service.url).status().offline_since is not None
        proxy.mode = "delay"
        for _ in range(2):
            for terminal in (t1, t2):
                terminal.client(proxy.url).sync_once()
    finally:
        proxy.close()
    assert_converged(central, [t1, t2])
    assert t1.client(service.url).status().text().startswith("synced")


def test_a_request_cut_half_way_is_refused_not_an_error_of_the_service(central, service, terminals):
    """A connection that closes before its body is whole (a handheld leaving the Wi-Fi mid-push)
    applies nothing and is no error in the service's log; the resend goes through."""
    t1 = terminals("T1")
    t1.receive_and_pick(2, 1)
    service_log = logging.getLogger("uvicorn.error")
    errors = _Kept(logging.ERROR)
    service_log.addHandler(errors)
    proxy = FaultProxy(service.port)
    try:
        proxy.mode = "drop_request"
        with pytest.raises(Offline):
            t1.client(proxy.url, timeout_s=5).push()
        assert moves_by_id(central) == {}
        proxy.heal()
        assert t1.client(proxy.url).push() == 2
    finally:
        service_log.removeHandler(errors)
        proxy.close()
    assert proxy.injected == {"drop_request": 1}
    assert [record.getMessage() for record in errors.records] == []


def test_central_database_down_is_a_503_and_nothing_is_lost(central, service, terminals, pg_admin_url):
    """Central's PostgreSQL stops answering (here its database refuses connections and its
    sessions end): a push, a pull already waiting and the health check answer 503 with the
    reason, the service logs no error, the terminals keep their moves; back up, all goes through."""
    t1, t2 = terminals("T1"), terminals("T2")
    t2.client(service.url).sync_once()  # in step: its next long poll waits
    t1.receive_and_pick(3, 1)
    name = central.url.database
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    service_log = logging.getLogger("uvicorn.error")
    errors = _Kept(logging.ERROR)
    service_log.addHandler(errors)
    try:
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(t2.client(service.url).pull, 20)
            time.sleep(0.5)
            with admin.connect() as conn:
                conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name})
            with pytest.raises(Offline, match="503: central's database did not answer"):
                waiting.result(timeout=10)
        with pytest.raises(Offline, match="503: central's database did not answer"):
            t1.client(service.url).push()
        health = httpx.get(f"{service.url}/v1/health")
        assert health.status_code == 503 and "did not answer" in health.json()["error"]
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        admin.dispose()
        service_log.removeHandler(errors)
    assert [record.getMessage() for record in errors.records] == []
    assert moves_by_id(central) == {}
    assert httpx.get(f"{service.url}/v1/health").status_code == 200
    for terminal in (t1, t2, t1):
        terminal.client(service.url).sync_once()
    assert_converged(central, [t1, t2])


class _Kept(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class FirstPushLate(httpx.HTTPTransport):
    """Holds a terminal's first batch back until the batch after it is answered. The client's two
    sender threads may reach the transport in either order, so the first two pushes meet and
    the one carrying the lower sequences waits."""

    def __init__(self) -> None:
        super().__init__()
        self.pushes = 0
        self.counting = threading.Lock()
        self.first_two = threading.Barrier(2, timeout=30)
        self.starts: list[int] = []
        self.later_answered = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/push"):
            return super().handle_request(request)
        with self.counting:
            self.pushes += 1
            number = self.pushes
            if number <= 2:
                self.starts.append(json.loads(request.content)["moves"][0][SEQUENCE])
        if number > 2:
            return super().handle_request(request)
        self.first_two.wait()
        if json.loads(request.content)["moves"][0][SEQUENCE] == min(self.starts):
            assert self.later_answered.wait(30)
            return super().handle_request(request)
        response = super().handle_request(request)
        response.read()
        self.later_answered.set()
        return response


def test_a_push_batch_overtaking_the_one_before_is_resent_in_order(central, service, terminals):
    t1 = terminals("T1")
    for _ in range(15):
        t1.receive_and_pick(2, 1)
    transport = FirstPushLate()
    # 30 moves in batches of 10, two in flight: the second reaches central first and is refused (a gap).
    assert t1.client(service.url, batch_size=10, transport=transport).push() == 30
    assert transport.pushes > 3  # the refused batch went again
    assert_converged(central, [t1])


def test_two_service_copies_serve_one_database(central, service, terminals):
    second = Service(central)
    try:
        t1, t2 = terminals("T1"), terminals("T2")
        t1.receive_and_pick(6, 2)
        t2.receive_and_pick(4, 1)
        for _ in range(2):
            t1.client(service.url).sync_once()
            t2.client(second.url).sync_once()
        assert_converged(central, [t1, t2])
    finally:
        second.stop()


PUSHER = textwrap.dedent("""
    import sys, time
    from wms_tui.store.db import make_engine
    from wms_tui.sync.client import Endpoint, SyncClient
    real = SyncClient._post
    def paced(self, *args, **kwargs):
        answer = real(self, *args, **kwargs)
        time.sleep(0.05)  # a slow link: the kill lands between (or inside) pushes
        return answer
    SyncClient._post = paced
    url, path, secret = sys.argv[1:4]
    client = SyncClient(make_engine("sqlite:///" + path), Endpoint(url, "T1", "WH1", secret), batch_size=1)
    print("pushing", flush=True)
    client.push()
""")


def test_a_terminal_killed_mid_push_resends_nothing_twice(central, service, terminals, tmp_path):
    t1, t2 = terminals("T1"), terminals("T2")
    for _ in range(40):
        t1.receive_and_pick(2, 1)
    t1.engine.dispose()
    child = subprocess.Popen([sys.executable, "-c", PUSHER, service.url, str(tmp_path / "T1.db"), t1.secret],
                             stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert child.stdout.readline().strip() == "pushing"
    while not moves_by_id(central):
        pass
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert 0 < len(moves_by_id(central)) < t1.posted
    for _ in range(2):
        for terminal in (t1, t2):
            terminal.client(service.url).sync_once()
    assert_converged(central, [t1, t2])


def _post(url, path, body, *, terminal="T1", secret, schema=None, raw=None, headers=None):
    sent = {"Authorization": credential(terminal, secret), SCHEMA_HEADER: schema or schema_token(migrate.HEADS), **(headers or {})}
    return httpx.post(f"{url}/v1{path}", content=raw if raw is not None else json.dumps(body), headers=sent, timeout=10)


def test_bad_requests_are_refused_and_apply_nothing(central, service, terminals, monkeypatch):
    t1, t2 = terminals("T1"), terminals("T2")
    t1.receive_and_pick(5, 2)
    with t1.engine.connect() as conn:
        moves = replication.outbox(conn, "T1", 0, 100)
    good = {"terminal": "T1", "warehouse": "WH1", "previous_hash": "", "moves": moves}
    url, secret = service.url, t1.secret
    refusals = {
        "wrong secret": (_post(url, "/push", good, secret="not-it"), 401, "wrong secret"),
        "no credential": (httpx.post(f"{url}/v1/push", json=good, headers={SCHEMA_HEADER: schema_token(migrate.HEADS)}), 401, "credential"),
        "other terminal": (_post(url, "/push", {**good, "terminal": "T2"}, secret=secret), 403, "may not send for terminal T2"),
        "other warehouse": (_post(url, "/push", {**good, "warehouse": "WH2"}, secret=secret), 403, "works in WH1, not WH2"),
        "sequence gap": (_post(url, "/push", {**good, "moves": moves[1:]}, secret=secret), 409, "expected move 1, got 2"),
        "broken chain": (_post(url, "/push", {**good, "previous_hash": "x" * 64}, secret=secret), 409, "does not continue the chain"),
        "malformed body": (_post(url, "/push", None, raw=b"{not json", secret=secret), 400, "not JSON"),
        "malformed move": (_post(url, "/push", {**good, "moves": [moves[0][:5] + ["x"] * 10]}, secret=secret), 422, "move"),
        "unknown item": (_post(url, "/push", {**good, "moves": [[*moves[0][:2], "NOPE", *moves[0][3:]]]}, secret=secret), 422, "NOPE"),
        "unknown schema": (_post(url, "/push", good, schema="0001_ledger", secret=secret), 426, "is not the central database's"),
        "malformed news": (_post(url, "/push", {**good, "news": [0, 0]}, secret=secret), 400, "'news' must be an object"),
        "news cursor": (_post(url, "/push", {**good, "news": {"master_cursor": -1, "warehouse_cursor": 0}}, secret=secret), 400,
                        "'master_cursor' must be a whole number"),
    }
    monkeypatch.setattr(central_app, "MAX_BODY_BYTES", 200)
    refusals["oversized body"] = (_post(url, "/push", good, secret=secret), 413, "at most 200 bytes")
    revoke_terminal(central, "T2")
    refusals["revoked"] = (_post(url, "/pull", {"terminal": "T2", "warehouse": "WH1", "master_cursor": 0, "warehouse_cursor": 0},
                                 terminal="T2", secret=t2.secret), 403, "revoked")
    for what, (response, status, words) in refusals.items():
        assert (what, response.status_code) == (what, status)
        assert words in response.json()["error"], what
    assert moves_by_id(central) == {}
    monkeypatch.setattr(central_app, "MAX_BODY_BYTES", 32 * 1024 * 1024)
    accepted = _post(url, "/push", good, secret=secret)
    assert accepted.json() == {"applied_sequence": 2, "inserted": 2, "conflicts": 0}
    again = _post(url, "/push", good, secret=secret)  # the same batch resent: nothing changes
    assert again.json() == {"applied_sequence": 2, "inserted": 0, "conflicts": 0}
    # A move 3 that reuses move 1's id: refused (the primary key), nothing applied.
    reused = _post(url, "/push", {**good, "previous_hash": moves[1][-1], "moves": [[moves[0][0], 3, *moves[0][2:]]]}, secret=secret)
    assert (reused.status_code, reused.json()["error"]) == (409, "a move id of this batch is already in the central ledger under another sequence")
    assert len(moves_by_id(central)) == 2

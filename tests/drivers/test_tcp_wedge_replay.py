"""TCP adapter on loopback, the in-app wedge, capture files."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from drivers import Backoff, EventQueue, ReplaySettings, Scan, ScanProblem, TcpSettings
from drivers.replay import ReplayDriver, escape_line, read_capture
from drivers.tcp_driver import TcpDriver
from drivers.wedge import Wedge

from .conftest import is_problem, is_scan, is_status, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp_connect_mode_reconnects_after_scanner_restart() -> None:
    port = _free_port()
    events = EventQueue()
    with TcpDriver(TcpSettings(port=port), events, backoff=Backoff(0.02, 0.1)):
        refused = wait_for(events, is_status("disconnected"))
        assert "cannot connect" in refused.message  # type: ignore[union-attr]
        for payload in (b"FIRST\r", b"SECOND\r"):
            with socket.create_server(("127.0.0.1", port)) as server:
                conn, _ = server.accept()
                with conn:
                    conn.sendall(payload)
                    got = wait_for(events, is_scan)
                    assert isinstance(got, Scan) and got.raw == payload[:-1]
            wait_for(events, is_status("disconnected"))


def test_tcp_listen_mode_and_partial_on_close() -> None:
    port = _free_port()
    events = EventQueue()
    with TcpDriver(TcpSettings(port=port, mode="listen"), events, backoff=Backoff(0.02, 0.1)):
        wait_for(events, is_status("connected"))
        for _ in range(50):
            try:
                client = socket.create_connection(("127.0.0.1", port))
                break
            except ConnectionRefusedError:
                time.sleep(0.02)
        with client:
            client.sendall(b"]E04006381333931\rhalf")
            got = wait_for(events, is_scan)
        problem = wait_for(events, is_problem("partial"))
    assert isinstance(got, Scan) and got.interpret().gtin == "04006381333931"
    assert isinstance(problem, ScanProblem) and problem.raw == b"half"


def _type(wedge: Wedge, text: str, start: float, gap: float) -> list:
    out: list = []
    t = start
    for ch in text:
        out += wedge.key("ctrl+right_square_bracket" if ch == "\x1d" else ch, ch, t)
        t += gap
    return out + wedge.key("enter", "\r", t)


def test_wedge_fast_burst_is_a_scan_and_slow_typing_is_not() -> None:
    wedge = Wedge()
    (scan,) = _type(wedge, "0107032069804988\x1d10A1", 10.0, 0.003)
    assert isinstance(scan, Scan) and scan.text == "0107032069804988\x1d10A1"
    (typed,) = _type(wedge, "A-01-03", 20.0, 0.2)
    assert isinstance(typed, ScanProblem) and typed.kind == "typed" and typed.raw == b"A-01-03"
    assert wedge.stats.summary()["scans"] == 1


def test_wedge_editing_key_resets_and_idle_burst_is_partial() -> None:
    wedge = Wedge()
    wedge.key("1", "1", 1.0)
    wedge.key("backspace", None, 1.1)
    assert wedge.pending == ""
    for i, ch in enumerate("12345"):
        wedge.key(ch, ch, 2.0 + i * 0.003)
    assert wedge.expire(2.05) == []
    (partial,) = wedge.expire(3.0)
    assert isinstance(partial, ScanProblem) and partial.raw == b"12345"


def test_wedge_dedupe() -> None:
    wedge = Wedge(duplicate_window=1.0)
    assert len(_type(wedge, "ABC", 1.0, 0.002)) == 1
    assert _type(wedge, "ABC", 1.2, 0.002) == []
    assert len(_type(wedge, "ABC", 5.0, 0.002)) == 1


def test_capture_roundtrip_and_replay_driver(tmp_path: Path) -> None:
    texts = [
        "010703206980498810ABC123\x1d17270131",
        "#hash",
        "back\\slash",
        "]C100006141411234567890",
    ]
    capture = tmp_path / "cap.txt"
    capture.write_text("# field capture\n\n" + "\n".join(escape_line(t) for t in texts) + "\n")
    assert [(s.symbology or "") + s.text for s in read_capture(capture)] == texts
    events = EventQueue()
    with ReplayDriver(ReplaySettings(path=str(capture)), events) as driver:
        got = [wait_for(events, is_scan) for _ in texts]
        wait_for(events, is_problem("end"))
        assert driver.finished
    assert [s.raw.decode() for s in got if isinstance(s, Scan)] == texts


def test_replay_bad_escape_names_the_line(tmp_path: Path) -> None:
    capture = tmp_path / "bad.txt"
    capture.write_text("ok\nbad\\q\n")
    try:
        list(read_capture(capture))
    except ValueError as exc:
        assert ":2:" in str(exc) and "\\x1d" in str(exc)
    else:
        raise AssertionError("bad escape accepted")


def test_async_event_queue_delivers_from_driver_thread(tmp_path: Path) -> None:
    import asyncio

    from drivers import AsyncEventQueue

    capture = tmp_path / "cap.txt"
    capture.write_text("ONE\nTWO\n")

    async def collect() -> list[str]:
        events = AsyncEventQueue()
        texts: list[str] = []
        with ReplayDriver(ReplaySettings(path=str(capture)), events):
            async with asyncio.timeout(5):
                async for event in events:
                    if isinstance(event, Scan):
                        texts.append(event.text)
                    if len(texts) == 2:
                        break
        return texts

    assert asyncio.run(collect()) == ["ONE", "TWO"]

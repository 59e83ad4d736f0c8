"""Serial adapter over real pseudo-terminals."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

from drivers import Backoff, EventQueue, Scan, ScanProblem, SerialSettings, StatusChange, Suffix
from drivers.serial_driver import SerialDriver

from .conftest import Pty, is_problem, is_scan, is_status, wait_for

FAST = Backoff(0.02, 0.2)


def _driver(port: str, events: EventQueue, **kw: object) -> SerialDriver:
    settings = SerialSettings(port=port, partial_timeout_ms=100, **kw)  # type: ignore[arg-type]
    return SerialDriver(settings, events, backoff=FAST)


def test_frames_on_cr_and_keeps_order(pty_pair: Pty) -> None:
    events = EventQueue()
    with _driver(pty_pair.path, events):
        wait_for(events, is_status("connected"))
        pty_pair.write(b"]C100006141411234567890\rA-01-03\r\r")
        first = wait_for(events, is_scan)
        second = wait_for(events, is_scan)
    assert isinstance(first, Scan) and first.raw == b"]C100006141411234567890"
    assert first.symbology == "]C1" and first.interpret().sscc == "006141411234567890"
    assert isinstance(second, Scan) and second.text == "A-01-03"


def test_crlf_suffix_split_across_writes(pty_pair: Pty) -> None:
    events = EventQueue()
    with _driver(pty_pair.path, events, suffix=Suffix.CRLF):
        wait_for(events, is_status("connected"))
        pty_pair.write(b"0107032069804988\r")
        time.sleep(0.02)
        pty_pair.write(b"\n")
        got = wait_for(events, is_scan)
    assert isinstance(got, Scan) and got.text == "0107032069804988"


def test_frame_without_terminator_is_partial_never_a_scan(pty_pair: Pty) -> None:
    events = EventQueue()
    with _driver(pty_pair.path, events):
        wait_for(events, is_status("connected"))
        pty_pair.write(b"01070320")
        problem = wait_for(events, is_problem("partial"))
        pty_pair.write(b"OK\r")
        after = wait_for(events, is_scan)
    assert isinstance(problem, ScanProblem) and problem.raw == b"01070320"
    assert isinstance(after, Scan) and after.text == "OK"  # the partial did not stick to it


def test_burst_of_100_scans_in_one_write(pty_pair: Pty) -> None:
    events = EventQueue()
    frames = [f"]C10107032069804988{i:02d}X{i}\x1d17270131".encode() for i in range(100)]
    with _driver(pty_pair.path, events):
        wait_for(events, is_status("connected"))
        pty_pair.write(b"".join(f + b"\r" for f in frames))
        got = [wait_for(events, is_scan) for _ in frames]
    assert [s.raw for s in got if isinstance(s, Scan)] == frames


def test_duplicates_dropped_within_window_unless_counting(pty_pair: Pty) -> None:
    events = EventQueue()
    driver = SerialDriver(SerialSettings(port=pty_pair.path), events, duplicate_window=5.0)
    with driver:
        wait_for(events, is_status("connected"))
        pty_pair.write(b"AAA\rAAA\rBBB\r")
        assert [wait_for(events, is_scan).text for _ in range(2)] == ["AAA", "BBB"]  # type: ignore[union-attr]
        driver.counting = True
        pty_pair.write(b"BBB\rBBB\r")
        assert [wait_for(events, is_scan).text for _ in range(2)] == ["BBB", "BBB"]  # type: ignore[union-attr]
    assert driver.dedupe.dropped == 1


def test_unplug_reports_partial_and_disconnect_without_spinning(tmp_path: Path) -> None:
    first = Pty()
    link = tmp_path / "ttyScanner"  # like /dev/serial/by-id/..., re-pointed on re-plug
    link.symlink_to(first.path)
    events = EventQueue()
    driver = _driver(str(link), events)
    with driver:
        wait_for(events, is_status("connected"))
        first.write(b"half")
        time.sleep(0.02)
        first.unplug()
        down = wait_for(events, is_status("disconnected"))
        assert isinstance(down, StatusChange) and "disconnected" in down.message
        # While the device is gone, the thread only sleeps in back-off.
        cpu_before = resource.getrusage(resource.RUSAGE_SELF)
        time.sleep(1.0)
        cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        used = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        assert used < 0.25, f"driver used {used:.2f} s CPU in 1 s while unplugged"

        second = Pty()  # re-plug: a new device node behind the same stable name
        try:
            link.unlink()
            link.symlink_to(second.path)
            wait_for(events, is_status("connected"))
            second.write(b"AFTER\r")
            got = wait_for(events, is_scan)
            assert isinstance(got, Scan) and got.text == "AFTER"
        finally:
            second.unplug()


def test_missing_port_is_reported_and_retried(tmp_path: Path) -> None:
    events = EventQueue()
    with _driver(str(tmp_path / "nope"), events) as driver:
        status = wait_for(events, is_status("disconnected"))
        assert isinstance(status, StatusChange) and "not found" in status.message
        assert driver.status.value == "disconnected"


def test_busy_port_says_who_to_look_for(pty_pair: Pty) -> None:
    events, other = EventQueue(), EventQueue()
    with _driver(pty_pair.path, events):
        wait_for(events, is_status("connected"))
        with _driver(pty_pair.path, other):
            status = wait_for(other, is_status("error"))
    assert isinstance(status, StatusChange)
    assert "busy" in status.message and "fuser" in status.message


def test_stop_joins_promptly_while_blocked(pty_pair: Pty) -> None:
    events = EventQueue()
    driver = _driver(pty_pair.path, events)
    driver.start()
    wait_for(events, is_status("connected"))
    driver.stop(timeout=2.0)  # raises if the thread does not end
    assert wait_for(events, is_status("stopped"))
    driver.close()
    assert os.path.exists(pty_pair.path)

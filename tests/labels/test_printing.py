"""Printer backends against real endpoints: a TCP listener, a fake `lp`, files."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from labels import (
    PrinterConfigError,
    PrinterError,
    PrintQueue,
    load_printers,
    printer_from_mapping,
    send,
)


class Listener:
    """A raw port-9100 'printer' on 127.0.0.1 that records each connection's bytes."""

    def __init__(self, port: int = 0):
        self.sock = socket.create_server(("127.0.0.1", port))
        self.port = self.sock.getsockname()[1]
        self.sock.settimeout(0.05)  # so close() is noticed: accept() is not woken by close
        self.jobs: list[bytes] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.append(b"".join(chunks))

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self.sock.close()
        self._thread.join(5)


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def wait_for(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_tcp_backend_delivers_all_bytes() -> None:
    listener = Listener()
    try:
        printer = printer_from_mapping(
            "dock1", {"kind": "tcp", "target": f"127.0.0.1:{listener.port}"}
        )
        payload = b"^XA" + os.urandom(200_000) + b"^XZ"
        send(printer, payload)
        wait_for(lambda: len(listener.jobs) == 1)
        assert listener.jobs == [payload]
    finally:
        listener.close()


def test_tcp_backend_reports_an_offline_printer() -> None:
    printer = printer_from_mapping(
        "dock1", {"kind": "tcp", "target": f"127.0.0.1:{free_port()}", "timeout": 2}
    )
    with pytest.raises(PrinterError, match="cannot send to 127.0.0.1"):
        send(printer, b"^XA^XZ")


@pytest.fixture
def fake_lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `lp` on PATH that records its arguments and stdin, failing for queue 'jammed'."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "lp.log"
    script = bindir / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        f'cat > "{tmp_path}/lp.stdin"\n'
        'case "$*" in *jammed*) echo "lp: printer jammed is stopped" >&2; exit 1;; esac\n'
        'echo "request id is $2-1 (1 file(s))"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path


def test_cups_backend_sends_zpl_raw(fake_lp: Path) -> None:
    printer = printer_from_mapping(
        "zebra", {"kind": "cups", "target": "Zebra_GK420", "format": "zpl"}
    )
    send(printer, b"^XA^FDhello^FS^XZ", "container-1")
    assert (fake_lp / "lp.log").read_text().split() == [
        "-d",
        "Zebra_GK420",
        "-t",
        "container-1",
        "-o",
        "raw",
    ]
    assert (fake_lp / "lp.stdin").read_bytes() == b"^XA^FDhello^FS^XZ"


def test_cups_failure_carries_lp_message(fake_lp: Path) -> None:
    printer = printer_from_mapping("laser", {"kind": "cups", "target": "jammed"})
    with pytest.raises(PrinterError, match="printer jammed is stopped"):
        send(printer, b"%PDF-1.4")


def test_missing_lp_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    printer = printer_from_mapping("laser", {"kind": "cups", "target": "office"})
    with pytest.raises(PrinterConfigError, match="'lp' not found"):
        send(printer, b"%PDF-1.4")


def test_file_backend_writes_into_a_folder_atomically(tmp_path: Path) -> None:
    printer = printer_from_mapping("folder", {"kind": "file", "target": f"{tmp_path}/out/"})
    send(printer, b"%PDF-1.4 label", "container-157035381410375177")
    (written,) = (tmp_path / "out").iterdir()
    assert written.name == "container-157035381410375177.pdf"
    assert written.read_bytes() == b"%PDF-1.4 label"


def test_device_backend_writes_to_an_existing_node_and_fails_when_unplugged(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    node.write_bytes(b"")
    printer = printer_from_mapping("usb", {"kind": "device", "target": str(node)})
    send(printer, b"^XA^XZ")
    assert node.read_bytes() == b"^XA^XZ"
    gone = printer_from_mapping("usb", {"kind": "device", "target": str(tmp_path / "lp1")})
    with pytest.raises(PrinterError, match="cannot open"):
        send(gone, b"^XA^XZ")
    assert not (tmp_path / "lp1").exists()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "fax", "target": "x"}, r"printers\.p\.kind: expected one of"),
        ({"kind": "tcp"}, r"printers\.p\.target: expected a non-empty string"),
        ({"kind": "tcp", "target": "h:99999"}, r"printers\.p\.target: expected host or host:port"),
        ({"kind": "file", "target": "/tmp", "format": "png"}, r"printers\.p\.format"),
        ({"kind": "tcp", "target": "h", "dpi": 600}, r"printers\.p\.dpi"),
        ({"kind": "tcp", "target": "h", "media": "a4-sheet"}, r"printers\.p\.media: a4-sheet"),
        ({"kind": "tcp", "target": "h", "timeout": 0}, r"printers\.p\.timeout"),
        ({"kind": "tcp", "target": "h", "colour": "red"}, r"printers\.p: unknown key\(s\) colour"),
    ],
)
def test_printer_config_errors_name_key_and_problem(table: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        printer_from_mapping("p", table)


def test_load_printers_defaults() -> None:
    printers = load_printers(
        {"dock": {"kind": "tcp", "target": "10.0.0.5"}, "office": {"kind": "cups", "target": "hp"}}
    )
    assert (printers["dock"].format, printers["dock"].dpi, printers["dock"].media) == (
        "zpl",
        203,
        "4x6",
    )
    assert printers["office"].format == "pdf"


# -- durable queue ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_printer_down_then_back_delivers_exactly_once(tmp_path: Path) -> None:
    port = free_port()
    printers = load_printers({"dock": {"kind": "tcp", "target": f"127.0.0.1:{port}", "timeout": 2}})
    clock = Clock()
    queue = PrintQueue(tmp_path / "q.db", clock=clock)
    job_id = queue.submit("dock", b"^XA^FDlabel-1^FS^XZ", "157035381410375177")

    (job,) = queue.drain(printers)  # printer is down
    assert job.status == "pending" and job.attempts == 1
    assert "Connection refused" in (job.last_error or "")
    assert queue.jobs()[0].id == job_id  # visible as pending
    clock.now += 1
    assert queue.drain(printers) == []  # backing off: not due yet
    clock.now += 10
    (job,) = queue.drain(printers)
    assert job.attempts == 2 and job.status == "pending"

    listener = Listener(port)  # printer comes back
    try:
        clock.now += 60
        (job,) = queue.drain(printers)
        assert job.status == "sent" and job.last_error is None
        clock.now += 3600
        assert queue.drain(printers) == []  # nothing is sent twice
        wait_for(lambda: len(listener.jobs) >= 1)
        time.sleep(0.2)
        assert listener.jobs == [b"^XA^FDlabel-1^FS^XZ"]
    finally:
        listener.close()
        queue.close()


def test_crash_between_send_and_mark_done_resends_at_least_once(tmp_path: Path) -> None:
    printers = load_printers({"out": {"kind": "file", "target": f"{tmp_path}/spool/"}})
    delivered: list[bytes] = []

    class Crash(BaseException):
        """Stands for the process dying: not an error the queue may handle."""

    def send_then_die(printer, payload, name):  # type: ignore[no-untyped-def]
        delivered.append(payload)
        raise Crash

    queue = PrintQueue(tmp_path / "q.db")
    job_id = queue.submit("out", b"label", "SSCC-1")
    with pytest.raises(Crash):
        queue.drain(printers, sender=send_then_die)
    queue.close()

    restarted = PrintQueue(tmp_path / "q.db")  # a new process opens the same file
    assert restarted.get(job_id).status == "sending"  # in doubt: it may have printed
    assert restarted.recover() == 1
    (job,) = restarted.drain(printers, sender=lambda p, data, n: delivered.append(data))
    assert job.status == "sent" and job.attempts == 2
    assert delivered == [b"label", b"label"]  # at-least-once: the documented duplicate
    restarted.close()


def test_unknown_printer_fails_and_retry_requeues(tmp_path: Path) -> None:
    queue = PrintQueue(tmp_path / "q.db")
    job_id = queue.submit("gone", b"x", "ref")
    (job,) = queue.drain({})
    assert job.status == "failed" and "not configured" in (job.last_error or "")
    assert queue.drain({}) == []  # failed jobs wait for a person
    assert queue.retry(job_id) == 1
    sent: list[bytes] = []
    printers = load_printers({"gone": {"kind": "file", "target": str(tmp_path / "x.pdf")}})
    (job,) = queue.drain(printers, sender=lambda p, data, n: sent.append(data))
    assert job.status == "sent" and sent == [b"x"]
    queue.close()


def test_reprint_by_container_sends_the_stored_payload_again(tmp_path: Path) -> None:
    printers = load_printers({"out": {"kind": "file", "target": f"{tmp_path}/spool/"}})
    queue = PrintQueue(tmp_path / "q.db")
    first = queue.submit("out", b"label for 1", "157035381410375177")
    queue.submit("out", b"label for 2", "157035381410375184")
    queue.drain(printers)
    again = queue.reprint("157035381410375177")
    (job,) = queue.drain(printers)
    assert job.id == again and job.reprint_of == first and job.status == "sent"
    assert queue.payload(again) == b"label for 1"
    with pytest.raises(KeyError, match="nothing was ever printed"):
        queue.reprint("000000000000000000")
    queue.close()


def test_backoff_grows_and_is_capped() -> None:
    from labels.queue import backoff

    assert [backoff(n) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert backoff(30) == 300


def test_worker_thread_drains_and_stops(tmp_path: Path) -> None:
    listener = Listener()
    printers = load_printers({"dock": {"kind": "tcp", "target": f"127.0.0.1:{listener.port}"}})
    queue = PrintQueue(tmp_path / "q.db")
    stop = threading.Event()
    worker = threading.Thread(target=queue.run_worker, args=(printers, stop), kwargs={"idle": 0.05})
    worker.start()
    try:
        for i in range(3):
            queue.submit("dock", f"^XA{i}^XZ".encode(), f"ref{i}")
        wait_for(lambda: len(listener.jobs) == 3)
        assert sorted(listener.jobs) == [b"^XA0^XZ", b"^XA1^XZ", b"^XA2^XZ"]
    finally:
        stop.set()
        worker.join(5)
        listener.close()
        queue.close()
    assert not worker.is_alive()

"""Printer configuration and backends: file/folder, CUPS ``lp``, raw TCP 9100, device.

``send`` returns only once the backend has accepted the whole job, which is what the
print queue waits for before it marks a job done:

- file: written to a temporary name, fsync'ed, renamed, directory fsync'ed;
- cups: ``lp`` exited 0 (CUPS has spooled the job);
- tcp: every byte sent and acknowledged by the printer's TCP stack (Linux: the
  unacknowledged send queue drained to 0 after our FIN); a raw 9100 port has no
  application-level acknowledgement, so this is the strongest signal available;
- device: written and flushed to the device node.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import struct
import subprocess
import termios
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

PrinterKind = Literal["file", "cups", "tcp", "device"]
PrinterFormat = Literal["pdf", "zpl"]
KINDS: tuple[str, ...] = ("file", "cups", "tcp", "device")
FORMATS: tuple[str, ...] = ("pdf", "zpl")
MEDIA: tuple[str, ...] = ("4x6", "a6", "a4-sheet")
DPIS: tuple[int, ...] = (203, 300)
_KEYS = {"kind", "target", "format", "dpi", "media", "timeout"}


class PrinterError(RuntimeError):
    """The printer did not accept the job (offline, refused, out of paper...). Retryable."""


class PrinterConfigError(PrinterError):
    """The job can never succeed as configured (bad target, missing ``lp``...)."""


@dataclass(frozen=True)
class Printer:
    name: str
    kind: PrinterKind
    target: str
    format: PrinterFormat = "pdf"
    dpi: int = 203
    media: str = "4x6"
    timeout: float = 10.0

    @property
    def extension(self) -> str:
        return "." + self.format


def printer_from_mapping(name: str, mapping: Mapping[str, Any]) -> Printer:
    """Validate one ``[printers.NAME]`` table; ValueError names the key and the problem."""
    where = f"printers.{name}"
    if not isinstance(mapping, Mapping):
        raise ValueError(f"{where}: expected a table, got {type(mapping).__name__}")
    unknown = set(mapping) - _KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    kind = mapping.get("kind")
    if kind not in KINDS:
        raise ValueError(f"{where}.kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    target = mapping.get("target")
    if not isinstance(target, str) or not target.strip():
        raise ValueError(f"{where}.target: expected a non-empty string")
    fmt = mapping.get("format", "zpl" if kind in ("tcp", "device") else "pdf")
    if fmt not in FORMATS:
        raise ValueError(f"{where}.format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    dpi = mapping.get("dpi", 203)
    if dpi not in DPIS or isinstance(dpi, bool):
        raise ValueError(f"{where}.dpi: expected one of {DPIS}, got {dpi!r}")
    media = mapping.get("media", "4x6")
    if media not in MEDIA:
        raise ValueError(f"{where}.media: expected one of {', '.join(MEDIA)}, got {media!r}")
    if fmt == "zpl" and media == "a4-sheet":
        raise ValueError(f"{where}.media: a4-sheet is a PDF medium; thermal printers use 4x6 or a6")
    timeout = mapping.get("timeout", 10.0)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
        raise ValueError(f"{where}.timeout: expected a positive number of seconds, got {timeout!r}")
    if kind == "tcp":
        _host_port(target, where)
    return Printer(name, kind, target, fmt, dpi, media, float(timeout))


def load_printers(mapping: Mapping[str, Any]) -> dict[str, Printer]:
    """All printers from the ``[printers]`` table (``{name: {kind=..., ...}}``)."""
    if not isinstance(mapping, Mapping):
        raise ValueError("printers: expected a table of printer tables")
    return {name: printer_from_mapping(name, table) for name, table in mapping.items()}


def _host_port(target: str, where: str = "target") -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep:
        return target, 9100
    if not port.isdecimal() or not 0 < int(port) < 65536:
        raise ValueError(f"{where}.target: expected host or host:port, got {target!r}")
    return host.strip("[]"), int(port)


def send(printer: Printer, payload: bytes, job_name: str = "label") -> None:
    """Deliver one job; returns only when the backend accepted it (see module doc)."""
    if not payload:
        raise PrinterConfigError("refusing to send an empty job")
    {"file": _send_file, "cups": _send_cups, "tcp": _send_tcp, "device": _send_device}[
        printer.kind
    ](printer, payload, job_name)


def _safe_name(job_name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in job_name)[:100] or "job"


def _send_file(printer: Printer, payload: bytes, job_name: str) -> None:
    target = Path(printer.target)
    if target.is_dir() or printer.target.endswith(("/", os.sep)):
        target = target / f"{_safe_name(job_name)}{printer.extension}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)  # a reader never sees a half-written label
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise PrinterError(f"{printer.name}: cannot write {target}: {exc}") from exc


def _send_cups(printer: Printer, payload: bytes, job_name: str) -> None:
    cmd = ["lp", "-d", printer.target, "-t", job_name]
    if printer.format == "zpl":
        cmd += ["-o", "raw"]  # ZPL must reach the printer untouched by CUPS filters
    try:
        proc = subprocess.run(
            cmd, input=payload, capture_output=True, timeout=printer.timeout, check=False
        )
    except FileNotFoundError as exc:
        raise PrinterConfigError(
            f"{printer.name}: 'lp' not found; install cups-client or use another kind"
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise PrinterError(f"{printer.name}: lp did not finish in {printer.timeout:g}s") from exc
    if proc.returncode != 0:
        detail = proc.stderr.decode(errors="replace").strip() or f"exit code {proc.returncode}"
        raise PrinterError(f"{printer.name}: lp -d {printer.target} failed: {detail}")


def _unacked_bytes(sock: socket.socket) -> int | None:
    """Bytes sent but not yet acknowledged by the peer (Linux SIOCOUTQ), else None."""
    try:
        buf = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, struct.pack("i", 0))
    except (OSError, AttributeError):
        return None
    return int(struct.unpack("i", buf)[0])


def _send_tcp(printer: Printer, payload: bytes, job_name: str) -> None:
    host, port = _host_port(printer.target)
    deadline = time.monotonic() + printer.timeout
    try:
        with socket.create_connection((host, port), timeout=printer.timeout) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            while (pending := _unacked_bytes(sock)) not in (0, None):
                if time.monotonic() > deadline:
                    raise PrinterError(
                        f"{printer.name}: printer at {host}:{port} did not acknowledge "
                        f"{pending} of {len(payload)} bytes within {printer.timeout:g}s"
                    )
                time.sleep(0.005)
            # Give the printer a moment to close its side; some report errors by resetting.
            with contextlib.suppress(TimeoutError, OSError):
                sock.settimeout(min(0.2, printer.timeout))
                sock.recv(1024)
    except PrinterError:
        raise
    except OSError as exc:
        raise PrinterError(f"{printer.name}: cannot send to {host}:{port}: {exc}") from exc


def _send_device(printer: Printer, payload: bytes, job_name: str) -> None:
    try:
        # No O_CREAT: an unplugged printer must fail, not fill a file under /dev.
        fd = os.open(printer.target, os.O_WRONLY | os.O_APPEND)
    except OSError as exc:
        raise PrinterError(f"{printer.name}: cannot open {printer.target}: {exc}") from exc
    try:
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        with contextlib.suppress(OSError):  # character devices may not support fsync
            os.fsync(fd)
    except OSError as exc:
        raise PrinterError(f"{printer.name}: write to {printer.target} failed: {exc}") from exc
    finally:
        os.close(fd)

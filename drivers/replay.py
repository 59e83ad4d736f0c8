"""Captured scans in a text file: one per line, control characters escaped.

Format: UTF-8, one scan per line; ``\\x1d`` (or ``\\u001d``) for GS and other
control characters, ``\\\\`` for a backslash, ``\\r``/``\\n``/``\\t``. Blank
lines and lines starting with ``#`` are skipped (a scan starting with ``#`` is
written ``\\x23``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from drivers.base import Backoff, DeviceUnavailable, ScannerDriver, Sink
from drivers.scan import Scan
from drivers.settings import ReplaySettings


def escape_line(text: str) -> str:
    """Text as one capture line (the inverse of :func:`unescape_line`)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    line = "".join(out)
    return "\\x23" + line[1:] if line.startswith("#") else line


_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.|$)")
_SIMPLE = {"\\": "\\", "r": "\r", "n": "\n", "t": "\t"}


def unescape_line(line: str) -> str:
    """Decode the escapes of :func:`escape_line`; raises ValueError on any other."""

    def replace(match: re.Match[str]) -> str:
        seq = match.group(1)
        if seq in _SIMPLE:
            return _SIMPLE[seq]
        if len(seq) > 1:
            return chr(int(seq[1:], 16))
        raise ValueError(f"unknown escape '\\{seq}' (use \\x1d for GS, \\\\ for a backslash)")

    return _ESCAPE.sub(replace, line)


_RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _capture_line(raw: bytes) -> str:
    try:
        line = raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ValueError("not UTF-8: re-save the capture as UTF-8") from None
    control = _RAW_CONTROL.search(line)
    if control:
        code = f"\\x{ord(control.group()):02x}"
        raise ValueError(f"raw control character at column {control.start() + 1}: write it as {code}")
    return line


def read_capture_lines(path: str | Path) -> Iterator[str]:
    """Scan texts from a capture file; a malformed line raises ValueError naming it."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):
            try:
                line = _capture_line(raw)
                if not line.strip() or line.startswith("#"):
                    continue
                text = unescape_line(line)
            except ValueError as exc:
                raise ValueError(f"{path}:{number}: {exc}") from None
            yield text


def read_capture(path: str | Path, source: str | None = None) -> Iterator[Scan]:
    """Scans from a capture file, stamped with the time they are read."""
    source = source or f"replay:{path}"
    for text in read_capture_lines(path):
        yield Scan.from_text(text, source)


class ReplayDriver(ScannerDriver):
    """Plays a capture file as if a scanner sent it (demos, tests)."""

    def __init__(
        self,
        settings: ReplaySettings,
        sink: Sink,
        *,
        duplicate_window: float = 0.0,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(
            f"replay:{settings.path}", sink, duplicate_window=duplicate_window, backoff=backoff
        )
        self.settings = settings
        self.finished = False

    def _open(self) -> None:
        if not Path(self.settings.path).is_file():
            raise DeviceUnavailable(f"capture file {self.settings.path} not found")

    def _read_loop(self) -> None:
        interval = self.settings.interval_ms / 1000
        while not self.stopping:
            try:
                for scan in read_capture(self.settings.path, self.source):
                    if self.stopping:
                        return
                    self.emit_scan(scan)
                    if interval:
                        self._sleep(interval)
            except (OSError, ValueError) as exc:
                raise DeviceUnavailable(f"cannot replay {self.settings.path}: {exc}") from None
            if not self.settings.loop:
                break
        self.finished = True
        self.emit_problem("end", f"end of capture {self.settings.path}")
        self._stop.wait()  # stay connected until stopped instead of replaying again

    def _close(self) -> None:
        """Nothing to release: the file is opened per pass."""

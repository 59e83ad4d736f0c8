"""Split a byte stream into scan frames on a configurable suffix.

Scanners terminate each read with a suffix (CR by default, or LF, or CRLF). A
frame is complete only when its suffix arrived: bytes still pending when the
line goes quiet are handed back by :meth:`SuffixFramer.take_partial`, which the
driver reports as a partial frame, never as a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Suffix(StrEnum):
    CR = "CR"
    LF = "LF"
    CRLF = "CRLF"

    @property
    def bytes(self) -> bytes:
        return {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n"}[self.value]


@dataclass(frozen=True, slots=True)
class FrameOverflow:
    """More than ``max_frame`` bytes came without a suffix; they were dropped."""

    size: int
    head: bytes

    @property
    def message(self) -> str:
        return (
            f"{self.size} bytes arrived without the frame suffix and were dropped; "
            "check the scanner's suffix setting and the baud rate/framing"
        )


class SuffixFramer:
    """Incremental splitter: ``feed()`` bytes, get complete frames back.

    Empty frames (two suffixes in a row) are dropped. Stray CR/LF bytes at the
    start of a frame are dropped too: no barcode starts with them, and they are
    what a scanner sending CRLF leaves behind when the framer expects CR.
    """

    def __init__(self, suffix: Suffix = Suffix.CR, max_frame: int = 8192) -> None:
        if max_frame < 1:
            raise ValueError("max_frame must be at least 1")
        self.suffix = suffix
        self._sep = suffix.bytes
        self.max_frame = max_frame
        self._buffer = bytearray()

    @property
    def pending(self) -> int:
        """Bytes received since the last complete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[bytes | FrameOverflow]:
        """Add bytes; return the frames they completed (suffix stripped), in order.

        Garbage longer than ``max_frame`` comes back as a :class:`FrameOverflow`
        in place of a frame, so memory stays bounded on a wrong suffix setting.
        """
        buffer = self._buffer
        buffer += data
        out: list[bytes | FrameOverflow] = []
        if self._sep in buffer:
            *complete, rest = bytes(buffer).split(self._sep)
            buffer[:] = rest
            for frame in complete:
                frame = frame.lstrip(b"\r\n")
                if len(frame) > self.max_frame:
                    out.append(FrameOverflow(len(frame), frame[:40]))
                elif frame:
                    out.append(frame)
        if len(buffer) > self.max_frame:
            out.append(FrameOverflow(len(buffer), bytes(buffer[:40])))
            buffer.clear()
        return out

    def take_partial(self) -> bytes | None:
        """Hand back and forget the unterminated bytes, if any (not just CR/LF)."""
        partial = bytes(self._buffer).lstrip(b"\r\n")
        self._buffer.clear()
        return partial or None

"""Keyboard wedge inside the terminal app: turn fast keystroke bursts into scans.

Scanners plugged in as keyboards type into whatever has focus. The TUI forwards
each key it receives (Textual's ``event.key``, ``event.character`` and
``event.time``) to :meth:`Wedge.key`; at Enter/Tab the line is judged by its
timing (see :mod:`drivers.timing`) and comes back as a :class:`~drivers.scan.Scan`
or as a typed line (a :class:`~drivers.base.ScanProblem` of kind ``typed``)
that the screen may accept as manual entry. Nothing here imports Textual.
"""

from __future__ import annotations

import time

from drivers.base import Deduplicator, DriverEvent, ScanProblem
from drivers.scan import GS, Scan
from drivers.settings import TimingSettings
from drivers.timing import Burst, TimingStats, is_scanner_paced, judge_line

_END_KEYS = frozenset({"enter", "tab", "ctrl+m", "ctrl+i"})
# How terminals deliver GS (Ctrl+]): Textual names the key, the character is 0x1d.
_GS_KEYS = frozenset({"ctrl+right_square_bracket", "ctrl+]"})


class Wedge:
    def __init__(
        self,
        timing: TimingSettings | None = None,
        *,
        source: str = "wedge",
        duplicate_window: float = 0.0,
    ) -> None:
        self.timing = timing or TimingSettings()
        self.source = source
        self.dedupe = Deduplicator(duplicate_window)
        self.stats = TimingStats()
        self._chars: list[str] = []
        self._times: list[float] = []

    @property
    def pending(self) -> str:
        return "".join(self._chars)

    def key(
        self, key: str, character: str | None, timestamp: float | None = None
    ) -> list[DriverEvent]:
        """Feed one key press; returns the events it completed (usually none)."""
        now = time.monotonic() if timestamp is None else timestamp
        if key in _END_KEYS:
            return self._end(now)
        if key in _GS_KEYS or character == GS:
            char = GS
        elif character is not None and len(character) == 1 and character.isprintable():
            char = character
        else:
            # Arrows, function keys, Backspace...: a person is editing; start over.
            self._chars.clear()
            self._times.clear()
            return []
        self._chars.append(char)
        self._times.append(now)
        return []

    def expire(self, now: float | None = None) -> list[DriverEvent]:
        """Call from a timer: a scanner-paced burst that stopped without Enter is a partial."""
        now = time.monotonic() if now is None else now
        if not self._times or (now - self._times[-1]) * 1000 < self.timing.idle_timeout_ms:
            return []
        burst = Burst(self.pending, tuple(self._times))
        if not is_scanner_paced(burst, self.timing):
            return []
        self._chars.clear()
        self._times.clear()
        return [
            ScanProblem(
                self.source,
                "partial",
                "scan without Enter at the end (not accepted; rescan); enable the "
                "scanner's Enter (CR) suffix",
                burst.text.encode(),
            )
        ]

    def _end(self, now: float) -> list[DriverEvent]:
        burst = Burst(self.pending, tuple(self._times), now)
        self._chars.clear()
        self._times.clear()
        if not burst.text:
            return []
        verdict = judge_line(burst, self.timing)
        out: list[DriverEvent] = []
        if verdict.typed:
            out.append(ScanProblem(self.source, "typed", verdict.reason, verdict.typed.encode()))
        if verdict.scan is not None:
            self.stats.add(verdict.scan)
            scan = Scan.from_text(verdict.scan.text, self.source, monotonic=now)
            if self.dedupe.accept(scan):
                out.append(scan)
        return out

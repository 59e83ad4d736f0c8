"""Keystroke bursts: scanner or person? Shared by the evdev adapter and the TUI wedge.

A scanner in keyboard mode types a whole barcode within milliseconds per key;
people need 80-300 ms per key. A line (keys up to Enter/Tab) is a scan when it
is long enough, its median inter-key gap is small and no gap is human-sized.
Keys typed earlier and left standing are split off at the last human-sized gap,
so a stray keypress never swallows the next scan.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from drivers.settings import TimingSettings


@dataclass(frozen=True, slots=True)
class Burst:
    """Characters with the time (seconds) of each key-down; ``end`` is the terminator's."""

    text: str
    times: tuple[float, ...]
    end: float | None = None

    def gaps_ms(self) -> list[float]:
        times = (*self.times, self.end) if self.end is not None else self.times
        return [(b - a) * 1000 for a, b in zip(times, times[1:], strict=False)]


@dataclass(frozen=True, slots=True)
class Verdict:
    typed: str  # text judged human-typed (may be empty)
    scan: Burst | None  # the scanner-paced part, if any
    reason: str  # why the line was not a scan (when scan is None)


def is_scanner_paced(burst: Burst, timing: TimingSettings) -> bool:
    gaps = burst.gaps_ms()
    return (
        len(burst.text) >= timing.min_length
        and bool(gaps)
        and statistics.median(gaps) <= timing.max_interkey_ms
        and max(gaps) <= timing.max_gap_ms
    )


def judge_line(burst: Burst, timing: TimingSettings) -> Verdict:
    """Split a terminated line into human-typed text and a scanner-paced scan."""
    times = burst.times
    start = 0
    for i in range(1, len(times)):
        if (times[i] - times[i - 1]) * 1000 > timing.max_gap_ms:
            start = i
    tail = Burst(burst.text[start:], times[start:], burst.end)
    if is_scanner_paced(tail, timing):
        return Verdict(burst.text[:start], tail, "")
    gaps = burst.gaps_ms()
    if gaps and statistics.median(gaps) > timing.max_interkey_ms:
        reason = (
            f"typing speed: median {statistics.median(gaps):.0f} ms between keys "
            f"(scanners: <= {timing.max_interkey_ms:.0f} ms)"
        )
    elif len(tail.text) < timing.min_length:
        reason = (
            f"too short for a scan ({len(tail.text)} of at least {timing.min_length} characters)"
        )
    else:
        reason = f"a {max(gaps, default=0):.0f} ms pause inside the line"
    return Verdict(burst.text, None, reason)


@dataclass(slots=True)
class TimingStats:
    """Inter-key gaps over many scans, for ``wms-tui scanners test``."""

    gaps_ms: list[float] = field(default_factory=list)
    scans: int = 0

    def add(self, burst: Burst) -> None:
        self.scans += 1
        self.gaps_ms.extend(burst.gaps_ms())

    def summary(self) -> dict[str, float | int]:
        if not self.gaps_ms:
            return {"scans": self.scans}
        ordered = sorted(self.gaps_ms)
        return {
            "scans": self.scans,
            "interkey_median_ms": round(statistics.median(ordered), 2),
            "interkey_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "interkey_max_ms": round(ordered[-1], 2),
        }

"""SSCC numbering: extension digit + GS1 company prefix + serial + check digit.

Each terminal owns a serial range from configuration, so terminals that work offline
never issue the same SSCC. The next serial is kept in a SQLite file and taken inside a
``BEGIN IMMEDIATE`` transaction, so two processes on one terminal never share a number.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labels import _sqlite
from labels.gs1 import make_sscc

log = logging.getLogger(__name__)


class SsccRangeExhausted(RuntimeError):
    """The terminal has used every serial in its range; a new range must be configured."""


@dataclass(frozen=True)
class SerialRange:
    terminal: str
    start: int
    end: int
    """Inclusive."""

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    def overlaps(self, other: SerialRange) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class SsccConfig:
    company_prefix: str
    extension_digit: int
    range: SerialRange
    low_water: int | None = None
    """Warn when fewer serials remain; default max(1000, 1% of the range)."""

    def __post_init__(self) -> None:
        make_sscc(self.extension_digit, self.company_prefix, 0)  # validates both
        capacity = 10 ** (16 - len(self.company_prefix))
        r = self.range
        if not 0 <= r.start <= r.end < capacity:
            raise ValueError(
                f"sscc.terminals.{r.terminal}: range {r.start}-{r.end} must satisfy "
                f"0 <= start <= end < {capacity} (serial digits left by company prefix "
                f"{self.company_prefix})"
            )

    @property
    def warn_below(self) -> int:
        if self.low_water is not None:
            return self.low_water
        return max(1000, self.range.size // 100)


def _int(table: Mapping[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{where}.{key}: expected an integer, got {value!r}")
    return value


def ranges_from_mapping(sscc: Mapping[str, Any]) -> dict[str, SerialRange]:
    """All terminals' ranges from an ``[sscc.terminals.*]`` table, refusing overlaps."""
    terminals = sscc.get("terminals")
    if not isinstance(terminals, Mapping) or not terminals:
        raise ValueError("sscc.terminals: expected one table per terminal with start and end")
    ranges = {}
    for name, table in terminals.items():
        where = f"sscc.terminals.{name}"
        if not isinstance(table, Mapping):
            raise ValueError(f"{where}: expected a table with start and end")
        ranges[name] = SerialRange(name, _int(table, "start", where), _int(table, "end", where))
        if ranges[name].start > ranges[name].end:
            raise ValueError(f"{where}: start must not be greater than end")
    check_disjoint(ranges.values())
    return ranges


def check_disjoint(ranges: Any) -> None:
    ordered = sorted(ranges, key=lambda r: r.start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if a.overlaps(b):
            raise ValueError(
                f"sscc.terminals: ranges of {a.terminal} ({a.start}-{a.end}) and "
                f"{b.terminal} ({b.start}-{b.end}) overlap; SSCCs would collide"
            )


def config_from_mapping(sscc: Mapping[str, Any], terminal: str) -> SsccConfig:
    """The ``[sscc]`` table for one terminal; raises ValueError naming the key."""
    prefix = sscc.get("company_prefix")
    if not isinstance(prefix, str) or not prefix.isdecimal() or not 6 <= len(prefix) <= 12:
        raise ValueError(
            f"sscc.company_prefix: expected a string of 6-12 digits, got {prefix!r} "
            "(quote it in TOML so leading zeros survive)"
        )
    extension = _int(sscc, "extension_digit", "sscc")
    if not 0 <= extension <= 9:
        raise ValueError(f"sscc.extension_digit: expected 0-9, got {extension}")
    ranges = ranges_from_mapping(sscc)
    if terminal not in ranges:
        raise ValueError(
            f"sscc.terminals.{terminal}: no SSCC range configured for this terminal "
            f"(configured: {', '.join(sorted(ranges))})"
        )
    low = sscc.get("low_water")
    if low is not None and (not isinstance(low, int) or low < 0):
        raise ValueError(f"sscc.low_water: expected a non-negative integer, got {low!r}")
    return SsccConfig(prefix, extension, ranges[terminal], low)


def split_ranges(
    company_prefix: str, terminals: list[str], first: int = 1
) -> dict[str, SerialRange]:
    """Carve the serial space left by a company prefix into equal disjoint ranges, one per
    terminal, to paste into configuration."""
    if not terminals or len(set(terminals)) != len(terminals):
        raise ValueError("terminals must be a non-empty list of distinct names")
    capacity = 10 ** (16 - len(company_prefix))
    size = (capacity - first) // len(terminals)
    if size < 1:
        raise ValueError("not enough serials for that many terminals")
    return {
        name: SerialRange(name, first + i * size, first + (i + 1) * size - 1)
        for i, name in enumerate(terminals)
    }


@dataclass(frozen=True)
class Allocation:
    sscc: str
    serial: int
    remaining: int
    """Serials still free in this terminal's range after this one."""
    low: bool
    """True when ``remaining`` fell below the low-water mark: configure a new range soon."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS sscc_counter (
    scope TEXT PRIMARY KEY,         -- extension digit + company prefix + terminal
    next_serial INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sscc_issued (
    sscc TEXT PRIMARY KEY,
    terminal TEXT NOT NULL,
    issued_at REAL NOT NULL,
    reference TEXT NOT NULL DEFAULT ''
);
"""


class SsccAllocator:
    """Issues SSCCs for one terminal from its configured range."""

    def __init__(self, db_path: str | Path, config: SsccConfig):
        self.config = config
        self._conn = _sqlite.connect(db_path)
        self._conn.executescript(_SCHEMA)
        self._scope = f"{config.extension_digit}|{config.company_prefix}|{config.range.terminal}"

    def close(self) -> None:
        self._conn.close()

    def _next(self, conn: sqlite3.Connection) -> int:
        row = conn.execute(
            "SELECT next_serial FROM sscc_counter WHERE scope = ?", (self._scope,)
        ).fetchone()
        # A range moved up in config starts at its new start; never go back down.
        return max(row["next_serial"], self.config.range.start) if row else self.config.range.start

    def remaining(self) -> int:
        return max(self.config.range.end + 1 - self._next(self._conn), 0)

    def allocate(self, reference: str = "") -> Allocation:
        """Take the next SSCC. Raises SsccRangeExhausted when the range is used up."""
        r = self.config.range
        with _sqlite.immediate(self._conn) as conn:
            serial = self._next(conn)
            if serial > r.end:
                raise SsccRangeExhausted(
                    f"terminal {r.terminal} has used every SSCC serial in its range "
                    f"{r.start}-{r.end}; configure a new [sscc.terminals.{r.terminal}] range"
                )
            sscc = make_sscc(self.config.extension_digit, self.config.company_prefix, serial)
            conn.execute(
                "INSERT INTO sscc_counter (scope, next_serial) VALUES (?, ?) "
                "ON CONFLICT(scope) DO UPDATE SET next_serial = excluded.next_serial",
                (self._scope, serial + 1),
            )
            conn.execute(
                "INSERT INTO sscc_issued (sscc, terminal, issued_at, reference) VALUES (?,?,?,?)",
                (sscc, r.terminal, time.time(), reference),
            )
        remaining = r.end - serial
        low = remaining < self.config.warn_below
        if low:
            log.warning(
                "terminal %s: only %d SSCC serials left in range %d-%d; configure a new range",
                r.terminal,
                remaining,
                r.start,
                r.end,
            )
        return Allocation(sscc, serial, remaining, low)

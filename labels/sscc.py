"""SSCC ranges from configuration: extension digit, GS1 company prefix and one serial range
per terminal, refused when two ranges overlap.

Each terminal numbers SSCCs only from its own range, so terminals that work offline never
issue the same SSCC. The application keeps the counter (wms_tui: a number range in its
database, moved in the same transaction as the container it numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SerialRange:
    terminal: str
    start: int
    end: int
    """Inclusive."""

    def overlaps(self, other: SerialRange) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class SsccConfig:
    company_prefix: str
    extension_digit: int
    range: SerialRange

    def __post_init__(self) -> None:
        from labels.gs1 import (
            make_sscc,  # the GS1 parser loads with an [sscc] table, not with every config
        )

        make_sscc(self.extension_digit, self.company_prefix, 0)  # validates both
        capacity = 10 ** (16 - len(self.company_prefix))
        r = self.range
        if not 0 <= r.start <= r.end < capacity:
            raise ValueError(
                f"sscc.terminals.{r.terminal}: range {r.start}-{r.end} must satisfy "
                f"0 <= start <= end < {capacity} (serial digits left by company prefix "
                f"{self.company_prefix})"
            )


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
    return SsccConfig(prefix, extension, ranges[terminal])


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


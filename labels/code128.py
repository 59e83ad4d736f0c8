"""Code 128 / GS1-128 symbol encoding shared by the PDF and ZPL renderers.

One encoder produces the symbol characters for both outputs, so the PDF bars and the
ZPL ``^BC`` invocation codes describe the same symbol and the fitted widths agree.
Only subsets B and C are used: GS1 data (CSET 82) and our internal codes are
printable ASCII, so subset A (control characters) is never needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from barcode.charsets.code128 import CODES, STOP

FNC1 = "\xf1"
"""FNC1 marker in encoder input: first position = GS1-128, elsewhere = GS separator."""

START_B, START_C = 104, 105
CODE_B, CODE_C, FNC1_VALUE = 100, 99, 102
STOP_MODULES = 13  # stop pattern (11) + termination bar (2)
QUIET_MODULES = 10  # minimum quiet zone each side (ISO/IEC 15417, GS1 5.4.4.4)


@dataclass(frozen=True)
class Symbol:
    """An encoded Code 128 symbol: start, data symbols, check symbol (no stop)."""

    values: tuple[int, ...]
    """Symbol character values, start first, check symbol last."""

    subsets: tuple[str, ...]
    """Active subset ('B'/'C') for each data value (same length as ``values[1:-1]``)."""

    @property
    def modules(self) -> int:
        """Width of the bars in modules, quiet zones excluded."""
        return 11 * len(self.values) + STOP_MODULES

    def pattern(self) -> str:
        """Bar/space modules as '1'/'0', start to termination bar."""
        return "".join(CODES[v] for v in self.values) + STOP + "11"


def _digit_run(data: str, i: int) -> int:
    n = 0
    while i + n < len(data) and data[i + n].isdigit():
        n += 1
    return n


@lru_cache(maxsize=4096)  # layouts try the same candidates for every label
def encode(data: str) -> Symbol:
    """Encode ``data`` (printable ASCII plus ``FNC1``) with the minimal-length rules
    of ISO/IEC 15417 Annex E restricted to subsets B and C.

    Raises:
        ValueError: for characters Code 128 subset B cannot carry.
    """
    for ch in data:
        if ch != FNC1 and not (" " <= ch <= "~"):
            raise ValueError(f"Code 128 cannot encode character {ch!r} in {data!r}")

    values: list[int] = []
    subsets: list[str] = []
    first_data = 1 if data.startswith(FNC1) else 0
    run = _digit_run(data, first_data)
    # Start in C when the data opens with 4+ digits or is exactly 2 digits.
    subset = "C" if run >= 4 or (run == 2 and first_data + 2 == len(data)) else "B"
    values.append(START_C if subset == "C" else START_B)

    i = 0
    while i < len(data):
        ch = data[i]
        if ch == FNC1:
            values.append(FNC1_VALUE)
            subsets.append(subset)
            i += 1
            continue
        if subset == "C":
            if i + 1 < len(data) and ch.isdigit() and data[i + 1].isdigit():
                values.append(int(data[i : i + 2]))
                subsets.append("C")
                i += 2
                continue
            values.append(CODE_B)
            subsets.append("C")
            subset = "B"
            continue
        run = _digit_run(data, i)
        if run >= 4:
            if run % 2:  # odd run: first digit stays in B so the rest pairs up
                values.append(ord(ch) - 32)
                subsets.append("B")
                i += 1
            values.append(CODE_C)
            subsets.append("B")
            subset = "C"
            continue
        values.append(ord(ch) - 32)
        subsets.append("B")
        i += 1

    check = (values[0] + sum(pos * v for pos, v in enumerate(values[1:], start=1))) % 103
    values.append(check)
    return Symbol(values=tuple(values), subsets=tuple(subsets))


def encode_gs1(message: str) -> Symbol:
    """Encode a GS1 element string (GS = ``\\x1d`` between fields) as GS1-128."""
    return encode(FNC1 + message.replace("\x1d", FNC1))

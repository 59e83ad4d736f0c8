"""ZPL II output for Zebra-compatible thermal printers at 203 and 300 dpi.

Barcodes are sent as explicit Code 128 symbol characters (``^BC`` mode N with
invocation codes: ``>;`` start C, ``>:`` start B, ``>8`` FNC1, ``>5``/``>6`` code C/B),
so the printer draws exactly the symbol our encoder planned, FNC1 included, instead of
re-deriving it in its automatic mode. Text goes through ``^FH`` hex escapes so ``^``,
``~`` and ``_`` in data can never become ZPL commands.
"""

from __future__ import annotations

from collections.abc import Iterable

from labels.code128 import CODE_B, CODE_C, FNC1_VALUE, START_C, Symbol
from labels.layout import Bars, Layout, Rule, Text, layout_label
from labels.models import Label
from labels.pdf import label_size_mm

SUPPORTED_DPI = (203, 300)
MAX_FIELD_BYTES = 3072  # ZPL ^FD limit
# ^FH hex escapes for the characters ZPL would read as commands; control characters
# are deleted so a newline in a customer name cannot break a field.
_FIELD_TABLE = str.maketrans(
    {"_": "_5F", "^": "_5E", "~": "_7E", "…": "...", "\x7f": None}
    | {chr(c): None for c in range(32)}
)


def module_dots(dpi: int) -> int:
    """Whole printer dots per barcode module closest to 0.5 mm (4 @ 203, 6 @ 300 dpi)."""
    check_dpi(dpi)
    return round(0.5 * dpi / 25.4)


def check_dpi(dpi: int) -> None:
    if dpi not in SUPPORTED_DPI:
        raise ValueError(f"ZPL dpi must be one of {SUPPORTED_DPI}, got {dpi}")


def escape_field(text: str) -> str:
    """Field data for use after ``^FH``: control characters dropped, ``_ ^ ~`` hex-escaped."""
    return text.translate(_FIELD_TABLE)


def invocation_codes(symbol: Symbol) -> str:
    """The symbol's data characters as ZPL ``^BC`` mode-N field data (no check/stop:
    the printer adds them)."""
    out = [">;" if symbol.values[0] == START_C else ">:"]
    for value, subset in zip(symbol.values[1:-1], symbol.subsets, strict=True):
        if value == FNC1_VALUE:
            out.append(">8")
        elif subset == "C":
            out.append(">6" if value == CODE_B else f"{value:02d}")
        elif value == CODE_C:
            out.append(">5")
        else:
            ch = chr(value + 32)
            out.append("><" if ch == ">" else ch)
    return "".join(out)


def layout_zpl(layout: Layout, dpi: int) -> str:
    scale = dpi / 25.4

    def d(value: float) -> int:
        return round(value * scale)

    parts = ["^XA^CI28", f"^PW{d(layout.width)}^LL{d(layout.height)}^LH0,0"]
    for item in layout.items:
        if isinstance(item, Text):
            h = d(item.size)
            w = h if item.bold else round(h * 0.85)
            data = escape_field(item.text)
            parts.append(f"^FO{d(item.x)},{d(item.y)}^A0N,{h},{w}^FH^FD{data}^FS")
        elif isinstance(item, Rule):
            w, h = max(d(item.width), 1), max(d(item.height), 1)
            parts.append(f"^FO{d(item.x)},{d(item.y)}^GB{w},{h},{min(w, h)}^FS")
        elif isinstance(item, Bars):
            data = escape_field(invocation_codes(item.symbol))
            if len(data.encode()) > MAX_FIELD_BYTES:
                raise ValueError("barcode data exceeds the ZPL field limit")
            h = d(item.height)
            parts.append(
                f"^FO{d(item.x)},{d(item.y)}^BY{module_dots(dpi)},3,{h}"
                f"^BCN,{h},N,N,N,N^FH^FD{data}^FS"
            )
    parts.append("^XZ")
    return "\n".join(parts) + "\n"


def label_zpl(label: Label, dpi: int = 203, media: str = "4x6") -> bytes:
    width, height = label_size_mm(media if media != "a4-sheet" else "a6")
    module_mm = module_dots(dpi) * 25.4 / dpi
    return layout_zpl(layout_label(label, width, height, module_mm), dpi).encode("utf-8")


def labels_zpl(labels: Iterable[Label], dpi: int = 203, media: str = "4x6") -> bytes:
    """Several labels in one ZPL stream (one ``^XA..^XZ`` format each)."""
    return b"".join(label_zpl(label, dpi, media) for label in labels)

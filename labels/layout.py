"""Label layouts as device-independent primitives (millimetres, origin top-left).

The PDF and ZPL renderers only draw these primitives, so a label looks the same on a
laser sheet and on a thermal printer and each layout is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth

from labels import gs1
from labels.code128 import QUIET_MODULES, Symbol, encode, encode_gs1
from labels.models import CommandCard, ContainerLabel, ItemLabel, Label, LocationLabel, PalletLabel

PT_PER_MM = 72 / 25.4
MIN_MODULE_MM = 0.495  # GS1 General Specifications, symbol table 6 (logistic units)
MAX_MODULE_MM = 1.016
GS1_BAR_HEIGHT_MM = 32.0  # minimum bar height for GS1-128 on logistic units
HRI_SIZE_MM = 3.2


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    size: float
    """Font size (em height) in mm."""
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Rule:
    """A horizontal or vertical line (ZPL ^GB can only draw those)."""

    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Bars:
    x: float
    """Left edge of the first bar (the quiet zone is to the left of it)."""
    y: float
    module: float
    height: float
    symbol: Symbol
    data: str
    """Encoded data: GS1 element string (GS separators) or plain text."""
    gs1: bool


Primitive = Text | Rule | Bars


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    items: tuple[Primitive, ...]


def text_width(text: str, size: float, bold: bool = False) -> float:
    font = "Helvetica-Bold" if bold else "Helvetica"
    return stringWidth(text, font, size * PT_PER_MM) / PT_PER_MM


def fit(text: str, size: float, width: float, bold: bool = False) -> str:
    """Truncate to ``width`` mm with an ellipsis; every field has a bounded length."""
    text = " ".join(text.split())  # no control characters or newlines reach a printer
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "…", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "…" if text else ""


class _Builder:
    def __init__(self, width: float, height: float, module: float, margin: float = 3.0):
        if not MIN_MODULE_MM <= module <= MAX_MODULE_MM:
            raise ValueError(
                f"module width {module:.3f} mm is outside GS1 limits "
                f"{MIN_MODULE_MM}-{MAX_MODULE_MM} mm"
            )
        self.width, self.height, self.module, self.margin = width, height, module, margin
        self.items: list[Primitive] = []

    @property
    def inner(self) -> float:
        return self.width - 2 * self.margin

    def text(self, x: float, y: float, size: float, text: str, width: float, bold=False) -> None:
        fitted = fit(text, size, width, bold)
        if fitted:
            self.items.append(Text(x, y, size, fitted, bold))

    def caption_value(
        self, x: float, y: float, width: float, caption: str, value: str, size: float = 3.4
    ) -> None:
        self.text(x, y, 2.2, caption.upper(), width)
        self.text(x, y + 2.6, size, value, width, bold=True)

    def hline(self, y: float) -> None:
        self.items.append(Rule(0, y, self.width, 0.4))

    def vline(self, x: float, y: float, height: float) -> None:
        self.items.append(Rule(x, y, 0.4, height))

    def max_modules(self) -> int:
        # Quiet zones may reach the label edge: they only need to be blank.
        return int(self.width / self.module) - 2 * QUIET_MODULES

    def barcode(
        self,
        y: float,
        symbol: Symbol,
        data: str,
        hri: str,
        gs1_: bool,
        height: float = GS1_BAR_HEIGHT_MM,
    ) -> float:
        """Centre a symbol at ``y`` with its HRI below; returns the y below the HRI."""
        bars_width = symbol.modules * self.module
        x = (self.width - bars_width) / 2
        self.items.append(Bars(x, y, self.module, height, symbol, data, gs1_))
        hri_text = fit(hri, HRI_SIZE_MM, self.inner, bold=True)
        self.items.append(
            Text(
                (self.width - text_width(hri_text, HRI_SIZE_MM, True)) / 2,
                y + height + 0.8,
                HRI_SIZE_MM,
                hri_text,
                bold=True,
            )
        )
        return y + height + 0.8 + HRI_SIZE_MM + 1.0

    def layout(self) -> Layout:
        return Layout(self.width, self.height, tuple(self.items))


SLOT_MM = GS1_BAR_HEIGHT_MM + 0.8 + HRI_SIZE_MM + 1.0 + 1.0


def pack_symbols(
    elements: Sequence[tuple[str, str]],
    max_modules: int,
) -> tuple[list[tuple[gs1.Gs1Data, Symbol]], list[tuple[str, str]]]:
    """First-fit packing of element strings into GS1-128 symbols no wider than
    ``max_modules``. Returns the symbols and the elements that fit in none alone."""
    groups: list[list[tuple[str, str]]] = []
    too_wide: list[tuple[str, str]] = []
    for element in elements:
        for group in groups:
            candidate = gs1.order_for_symbol([*group, element])
            if encode_gs1(gs1.gs1_data(candidate).value).modules <= max_modules:
                group[:] = candidate
                break
        else:
            if encode_gs1(gs1.gs1_data([element]).value).modules <= max_modules:
                groups.append([element])
            else:
                too_wide.append(element)
    symbols = []
    for group in groups:
        data = gs1.gs1_data(group)
        symbols.append((data, encode_gs1(data.value)))
    return symbols, too_wide


def content_elements(
    gtin: str | None, count: int | None, lot: str | None, best_before, expiry, weight=None
) -> list[tuple[str, str]]:
    """AIs describing what a logistic unit holds, most useful first: the packer fills
    symbols in this order and a small label shows only the first symbol(s)."""
    elements: list[tuple[str, str]] = []
    if gtin:
        elements.append(("02", gs1.validate_gtin(gtin)))
        # AI 37 may only accompany AI 02 (GS1 AI association rules); a mixed
        # container shows its count as text only.
        if count is not None:
            if count <= 0:
                raise gs1.LabelDataError(f"count must be positive, got {count}")
            elements.append(("37", str(count)))
    if best_before:
        elements.append(("15", gs1.yymmdd(best_before)))
    if expiry:
        elements.append(("17", gs1.yymmdd(expiry)))
    if lot:
        elements.append(("10", lot))
    if weight is not None:
        elements.append(gs1.kg_element(weight))
    return elements


def _content_symbols(
    b: _Builder,
    elements: list[tuple[str, str]],
    slots: int,
) -> list[tuple[gs1.Gs1Data, Symbol]]:
    # Symbols come out in element priority order; what does not fit stays human readable.
    symbols, _ = pack_symbols(elements, b.max_modules())
    # The symbol with the GTIN reads first, as on GS1's example labels.
    return symbols[:slots]


def _date(day) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def container_layout(label: ContainerLabel, width: float, height: float, module: float) -> Layout:
    """GS1 logistic label: free-format top, human-readable middle, barcodes at the bottom
    with the SSCC symbol lowest."""
    sscc = gs1.validate_sscc(label.sscc)
    sscc_data = gs1.gs1_data([("00", sscc)])
    elements = content_elements(
        label.gtin, label.count, label.lot, label.best_before, label.expiry, label.gross_weight_kg
    )
    b = _Builder(width, height, module)
    m, w = b.margin, b.inner

    # From / To
    y = m
    left_w = w * 0.38
    b.text(m, y, 2.2, "FROM", left_w)
    b.text(m + left_w + 2, y, 2.2, "TO", w - left_w - 2)
    for i, line in enumerate(label.ship_from.text_lines()[:5]):
        b.text(m, y + 3 + i * 3.0, 2.6, line, left_w - 1, bold=i == 0)
    for i, line in enumerate(label.ship_to.text_lines()[:5]):
        b.text(m + left_w + 2, y + 3 + i * 4.2, 3.6, line, w - left_w - 2, bold=True)
    b.vline(m + left_w, y, 24)
    y += 25
    b.hline(y)

    # Order, PO, carrier, tracking, n of m, weight
    col = w / 3
    cells = [
        ("Order", label.order_number),
        ("PO number", label.po_number),
        ("Carrier", label.carrier),
        ("Tracking", label.tracking_number),
        (
            "Container",
            f"{label.container_index} of {label.container_total}"
            if label.container_index and label.container_total
            else "",
        ),
        ("Gross weight", f"{gs1.kg_text(label.gross_weight_kg)} kg" if label.gross_weight_kg else ""),
    ]
    for i, (caption, value) in enumerate(cells):
        cx = m + (i % 3) * col
        b.caption_value(cx, y + 1 + (i // 3) * 7, col - 1.5, caption, value or "-")
    y += 15
    b.hline(y)

    # Contents, human readable with data titles (GS1 middle section)
    y += 1
    b.text(m, y, 2.2, "SSCC", 30)
    b.text(m + 10, y - 0.4, 3.4, gs1.sscc_hri(sscc), w - 10, bold=True)
    y += 4.2
    content = [
        ("CONTENT", label.gtin and gs1.validate_gtin(label.gtin) or "MIXED"),
        ("COUNT", str(label.count) if label.count is not None else ""),
        ("BATCH/LOT", label.lot or ""),
        ("BEST BEFORE", _date(label.best_before)),
        ("USE BY", _date(label.expiry)),
    ]
    shown = [(c, v) for c, v in content if v]
    # The 14-digit GTIN gets a wider column than the short fields next to it.
    weights = [1.7 if c == "CONTENT" else 1.0 for c, _ in shown]
    x = m
    for (caption, value), weight in zip(shown, weights, strict=True):
        col = w * weight / sum(weights)
        b.caption_value(x, y, col - 1, caption, value, size=3.0)
        x += col
    y += 6.6
    if label.description:
        b.text(m, y, 2.8, label.description, w)
        y += 3.4
    b.hline(y + 0.5)

    # Bottom section: content symbols as space allows, SSCC always lowest.
    slots = int((height - m - (y + 1.5)) // SLOT_MM) - 1
    symbols = _content_symbols(b, elements, max(slots, 0)) if elements else []
    sscc_symbol = encode_gs1(sscc_data.value)
    if sscc_symbol.modules > b.max_modules():
        raise gs1.LabelDataError(
            f"SSCC symbol needs {sscc_symbol.modules} modules; label is too narrow"
        )
    y_bar = height - m - SLOT_MM * (len(symbols) + 1) + 1.0
    for data, symbol in [*symbols, (sscc_data, sscc_symbol)]:
        y_bar = b.barcode(y_bar, symbol, data.value, data.hri, True) + 1.0
    return b.layout()


def pallet_layout(label: PalletLabel, width: float, height: float, module: float) -> Layout:
    """Receiving license plate: LPN large and scannable, then what is on the pallet."""
    b = _Builder(width, height, module)
    m, w = b.margin, b.inner
    is_sscc = len(label.lpn) == 18 and label.lpn.isdecimal()
    if is_sscc:
        lpn_data = gs1.gs1_data([("00", gs1.validate_sscc(label.lpn))])
        lpn_symbol, lpn_text, hri = encode_gs1(lpn_data.value), lpn_data.value, lpn_data.hri
    else:
        lpn_text = label.lpn.strip()
        if not lpn_text:
            raise gs1.LabelDataError("LPN is empty")
        lpn_symbol, hri = encode(lpn_text), lpn_text
    if lpn_symbol.modules > b.max_modules():
        raise gs1.LabelDataError(f"LPN {label.lpn!r} is too long for a {width:.0f} mm label")

    y = m
    b.text(m, y, 2.4, "LICENSE PLATE (LPN)", w)
    b.text(m, y + 3, 8.0, label.lpn, w, bold=True)
    y += 12
    b.hline(y)
    y += 1.5
    b.caption_value(
        m, y, w, "Item", " ".join(p for p in (label.gtin or "", label.description) if p) or "-"
    )
    y += 7
    col = w / 3
    cells = [
        ("Quantity", str(label.count) if label.count is not None else "-"),
        ("Batch/lot", label.lot or "-"),
        ("Use by", _date(label.expiry) or _date(label.best_before) or "-"),
        ("PO number", label.po_number or "-"),
        ("Supplier", label.supplier or "-"),
        ("Received", _date(label.received_on) or "-"),
    ]
    for i, (caption, value) in enumerate(cells):
        b.caption_value(m + (i % 3) * col, y + (i // 3) * 7, col - 1.5, caption, value)
    y += 14
    if label.putaway_to:
        b.caption_value(m, y, w, "Put away to", label.putaway_to, size=5.0)
        y += 9
    b.hline(y)
    elements = content_elements(label.gtin, label.count, label.lot, label.best_before, label.expiry)
    slots = int((height - m - (y + 1.5)) // SLOT_MM) - 1
    symbols = _content_symbols(b, elements, max(slots, 0)) if elements else []
    y_bar = height - m - SLOT_MM * (len(symbols) + 1) + 1.0
    for data, symbol in symbols:
        y_bar = b.barcode(y_bar, symbol, data.value, data.hri, True) + 1.0
    b.barcode(y_bar, lpn_symbol, lpn_text, hri, is_sscc)
    return b.layout()


def location_layout(label: LocationLabel, width: float, height: float, module: float) -> Layout:
    """Bin label: code in large type, Code 128 of the code, check digits to key in."""
    b = _Builder(width, height, module)
    m, w = b.margin, b.inner
    code = label.code.strip().upper()
    check = gs1.location_check_digits(code)
    symbol = encode(code)
    if symbol.modules > b.max_modules():
        raise gs1.LabelDataError(f"location code {code!r} is too long for the label")
    b.text(m, m, 2.4, "LOCATION", w)
    b.text(m, m + 3, 12.0, code, w, bold=True)
    y = m + 17
    if label.description:
        b.text(m, y, 3.4, label.description, w)
        y += 5
    b.hline(y)
    y = b.barcode(y + 3, symbol, code, code, False, height=25.0)
    b.hline(y + 1)
    b.text(m, y + 4, 2.4, "CHECK DIGITS", w)
    b.text(m, y + 7, 20.0, check, w, bold=True)
    return b.layout()


def item_layout(label: ItemLabel, width: float, height: float, module: float) -> Layout:
    b = _Builder(width, height, module)
    m, w = b.margin, b.inner
    gtin = gs1.validate_gtin(label.gtin)
    elements: list[tuple[str, str]] = [("01", gtin)]
    if label.expiry:
        elements.append(("17", gs1.yymmdd(label.expiry)))
    if label.lot:
        elements.append(("10", label.lot))
    if label.serial:
        elements.append(("21", label.serial))
    symbols, too_wide = pack_symbols(elements, b.max_modules())
    if too_wide:
        raise gs1.LabelDataError(f"element string(s) {too_wide} too long for the label")
    b.text(m, m, 2.4, "ITEM", w)
    b.text(m, m + 3, 5.0, label.description or gtin, w, bold=True)
    y = m + 10
    cells = [
        ("GTIN", gtin),
        ("SKU", label.sku),
        ("Batch/lot", label.lot or ""),
        ("Use by", _date(label.expiry)),
        ("Serial", label.serial or ""),
    ]
    for i, (caption, value) in enumerate((c, v) for c, v in cells if v):
        b.caption_value(m + (i % 2) * w / 2, y + (i // 2) * 7, w / 2 - 1.5, caption, value)
    y_bar = height - m - SLOT_MM * len(symbols) + 1.0
    for data, symbol in symbols:
        y_bar = b.barcode(y_bar, symbol, data.value, data.hri, True) + 1.0
    return b.layout()


def command_layout(label: CommandCard, width: float, height: float, module: float) -> Layout:
    """Command card: the code in large type, its Code 128 across the card, what it does."""
    b = _Builder(width, height, module)
    m, w = b.margin, b.inner
    symbol = encode(label.code)
    if symbol.modules > b.max_modules():
        raise gs1.LabelDataError(f"command {label.code!r} is too long for the card")
    b.text(m, m, 2.4, "COMMAND CARD", w)
    b.text(m, m + 3, 16.0, label.code, w, bold=True)
    y = b.barcode(m + 24, symbol, label.code, label.code, False, height=30.0)
    b.hline(y + 1)
    b.text(m, y + 4, 5.0, label.caption, w, bold=True)
    return b.layout()


def layout_label(label: Label, width: float, height: float, module: float) -> Layout:
    if isinstance(label, ContainerLabel):
        return container_layout(label, width, height, module)
    if isinstance(label, PalletLabel):
        return pallet_layout(label, width, height, module)
    if isinstance(label, LocationLabel):
        return location_layout(label, width, height, module)
    if isinstance(label, ItemLabel):
        return item_layout(label, width, height, module)
    if isinstance(label, CommandCard):
        return command_layout(label, width, height, module)
    raise TypeError(f"not a label: {type(label).__name__}")

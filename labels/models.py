"""Plain data for labels and documents. No rendering, no I/O, no wms_tui imports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

DocumentKind = Literal["picklist", "packingslip", "receiving", "invoice"]
DOCUMENT_KINDS: tuple[DocumentKind, ...] = ("picklist", "packingslip", "receiving", "invoice")


@dataclass(frozen=True)
class Address:
    name: str
    lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: str = ""

    def text_lines(self) -> list[str]:
        town = " ".join(p for p in (self.postal_code, self.city) if p)
        return [self.name, *self.lines, *(p for p in (town, self.country) if p)]


@dataclass(frozen=True)
class ContainerLabel:
    """GS1 logistic label for a shipping container (box, pallet) identified by an SSCC."""

    sscc: str
    ship_from: Address
    ship_to: Address
    order_number: str = ""
    po_number: str = ""
    carrier: str = ""
    tracking_number: str = ""
    gtin: str | None = None
    """GTIN of the contained trade items (AI 02); None for mixed contents."""
    description: str = ""
    count: int | None = None
    lot: str | None = None
    best_before: dt.date | None = None
    expiry: dt.date | None = None
    container_index: int | None = None
    container_total: int | None = None
    gross_weight_kg: Decimal | None = None

    @property
    def reference(self) -> str:
        return self.sscc


@dataclass(frozen=True)
class PalletLabel:
    """License plate (LPN) put on a pallet at receiving.

    An 18-digit LPN is treated as an SSCC (GS1-128, AI 00); anything else is an
    internal LPN printed as plain Code 128.
    """

    lpn: str
    gtin: str | None = None
    description: str = ""
    count: int | None = None
    lot: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    po_number: str = ""
    supplier: str = ""
    received_on: dt.date | None = None
    putaway_to: str = ""

    @property
    def reference(self) -> str:
        return self.lpn


@dataclass(frozen=True)
class LocationLabel:
    """Bin label: the code as Code 128 plus large check digits for scan-to-verify."""

    code: str
    description: str = ""

    @property
    def reference(self) -> str:
        return self.code


@dataclass(frozen=True)
class ItemLabel:
    """Trade item label: GTIN (AI 01) with optional lot, expiry and serial."""

    gtin: str
    description: str = ""
    sku: str = ""
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None

    @property
    def reference(self) -> str:
        return self.gtin


@dataclass(frozen=True)
class CommandCard:
    """A card a terminal without a key scans instead: its code (e.g. "*2") as Code 128, in
    large type, with what it does."""

    code: str
    caption: str = ""

    @property
    def reference(self) -> str:
        return self.code


Label = ContainerLabel | PalletLabel | LocationLabel | ItemLabel | CommandCard


@dataclass(frozen=True)
class DocumentLine:
    sku: str
    description: str
    quantity: Decimal
    uom: str = "EA"
    location: str = ""
    lot: str = ""
    gtin: str = ""
    unit_price: Decimal | None = None
    ordered: Decimal | None = None
    """Ordered/expected quantity where it differs from ``quantity`` (receiving, backorders)."""
    shipped: Decimal | None = None
    """Packing slip: units shipped so far; None until the order ships (``quantity`` is packed)."""


@dataclass(frozen=True)
class Document:
    """A pick list, packing slip, receiving document or invoice."""

    kind: DocumentKind
    number: str
    date: dt.date
    party_from: Address
    party_to: Address
    lines: tuple[DocumentLine, ...]
    references: tuple[tuple[str, str], ...] = ()
    """Ordered (label, value) pairs printed in the header: order, PO, carrier..."""
    currency: str = "EUR"
    tax_rate: Decimal = Decimal(0)
    notes: str = ""

    @property
    def reference(self) -> str:
        return f"{self.kind}:{self.number}"


# -- building from JSON-like mappings (CLI --data files, other callers) ------------------


def _date(value: Any, key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{key}: expected an ISO date YYYY-MM-DD, got {value!r}") from exc


def _decimal(value: Any, key: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{key}: expected a number, got {value!r}") from exc


def address_from_mapping(value: Any, key: str) -> Address:
    if isinstance(value, str):  # "Name, line, line" shorthand for the CLI
        parts = [p.strip() for p in value.split(",") if p.strip()]
        if not parts:
            raise ValueError(f"{key}: address is empty")
        return Address(name=parts[0], lines=tuple(parts[1:]))
    if not isinstance(value, Mapping) or "name" not in value:
        raise ValueError(f"{key}: expected a table with at least 'name', got {value!r}")
    unknown = set(value) - {f.name for f in fields(Address)}
    if unknown:
        raise ValueError(f"{key}: unknown address field(s) {sorted(unknown)}")
    lines = value.get("lines", ())
    if isinstance(lines, str):
        lines = (lines,)
    return Address(
        name=str(value["name"]),
        lines=tuple(str(line) for line in lines),
        postal_code=str(value.get("postal_code", "")),
        city=str(value.get("city", "")),
        country=str(value.get("country", "")),
    )


def document_from_mapping(kind: str, data: Mapping[str, Any]) -> Document:
    """Build a Document from JSON data; raises ValueError naming the bad key."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"document kind must be one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}")
    for key in ("number", "date", "from", "to", "lines"):
        if key not in data:
            raise ValueError(f"{kind}: missing required key {key!r}")
    raw_lines = data["lines"]
    if not isinstance(raw_lines, list) or not raw_lines:
        raise ValueError(f"{kind}: 'lines' must be a non-empty list")
    lines = []
    for n, raw in enumerate(raw_lines, start=1):
        where = f"lines[{n}]"
        if not isinstance(raw, Mapping):
            raise ValueError(f"{where}: expected a table, got {raw!r}")
        for key in ("sku", "quantity"):
            if key not in raw:
                raise ValueError(f"{where}: missing required key {key!r}")
        lines.append(
            DocumentLine(
                sku=str(raw["sku"]),
                description=str(raw.get("description", "")),
                quantity=_decimal(raw["quantity"], f"{where}.quantity"),
                uom=str(raw.get("uom", "EA")),
                location=str(raw.get("location", "")),
                lot=str(raw.get("lot", "")),
                gtin=str(raw.get("gtin", "")),
                unit_price=(
                    _decimal(raw["unit_price"], f"{where}.unit_price")
                    if raw.get("unit_price") is not None
                    else None
                ),
                ordered=(
                    _decimal(raw["ordered"], f"{where}.ordered")
                    if raw.get("ordered") is not None
                    else None
                ),
                shipped=(
                    _decimal(raw["shipped"], f"{where}.shipped")
                    if raw.get("shipped") is not None
                    else None
                ),
            )
        )
    if kind == "invoice" and any(line.unit_price is None for line in lines):
        raise ValueError("invoice: every line needs 'unit_price'")
    references = data.get("references", {})
    if not isinstance(references, Mapping):
        raise ValueError(f"{kind}: 'references' must be a table of label -> value")
    return Document(
        kind=kind,  # type: ignore[arg-type]  # checked against DOCUMENT_KINDS above
        number=str(data["number"]),
        date=_date(data["date"], "date"),
        party_from=address_from_mapping(data["from"], "from"),
        party_to=address_from_mapping(data["to"], "to"),
        lines=tuple(lines),
        references=tuple((str(k), str(v)) for k, v in references.items()),
        currency=str(data.get("currency", "EUR")),
        tax_rate=_decimal(data.get("tax_rate", 0), "tax_rate"),
        notes=str(data.get("notes", "")),
    )

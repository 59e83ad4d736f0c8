"""What a raw scan looks like to a floor step: a bin, an item, a container, a number or text.

Parsing is done once, here, with the drivers package's GS1 interpretation (AIM prefix, GS1
element strings, SSCC, GTIN check digits) and the location check digits; flows then only
compare shapes and look things up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from drivers.scan import InterpretationSettings, ScanKind, interpret, split_symbology
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.flows import Seen
from wms_tui.domain.locations import code_from_barcode
from wms_tui.domain.typed import typed_decimal

# Short plain numbers are quantities, weights or menu choices; 8+ digits are barcodes (GTIN-8).
_NUMBER = re.compile(r"^\d{1,7}([.,]\d{1,3})?$")
_LOCATION = re.compile(r"^(?=.*[A-Za-z/])[^\s]+\.\d{2}$")


@dataclass(frozen=True)
class ParsedScan:
    raw: str
    text: str
    seen: Seen
    reason: str | None = None
    gtin: str | None = None
    lot: str | None = None
    expiry: date | None = None
    sscc: str | None = None
    location_code: str | None = None
    number: Decimal | None = None

    @property
    def shown(self) -> str:
        """The scan as the operator should read it back (short enough for a handheld)."""
        value = self.sscc or self.gtin or self.location_code or self.text
        return value if len(value) <= 24 else value[:23] + "…"

    @property
    def code(self) -> str:
        """The identifier services look up: the SSCC, GTIN or location, else the text."""
        return self.sscc or self.gtin or self.location_code or self.text


def parse_scan(raw: str, settings: InterpretationSettings | None = None) -> ParsedScan:
    stripped = raw.strip()
    if not stripped:
        return ParsedScan(raw, "", Seen.INVALID, "nothing was scanned")
    symbology, text = split_symbology(stripped)
    if symbology is None and _NUMBER.match(text):
        return ParsedScan(raw, text, Seen.NUMBER, number=typed_decimal(text))
    if symbology is None and _LOCATION.match(text):
        try:
            return ParsedScan(raw, text, Seen.BIN, location_code=code_from_barcode(text))
        except InvalidInput as exc:
            return ParsedScan(raw, text, Seen.INVALID, str(exc))
    meaning = interpret(text, symbology, settings)
    if meaning.kind is ScanKind.INVALID:
        return ParsedScan(raw, text, Seen.INVALID, meaning.reason)
    if meaning.sscc:
        return ParsedScan(raw, text, Seen.CONTAINER, sscc=meaning.sscc)
    if meaning.gtin:
        return ParsedScan(raw, text, Seen.ITEM, gtin=meaning.gtin, lot=meaning.lot,
                          expiry=meaning.expiry or meaning.best_before)
    return ParsedScan(raw, text, Seen.TEXT)


def whole_number(scan: ParsedScan, what: str, *, maximum: int = 100_000) -> int:
    """A count of packages/labels/choices: positive, whole and not absurd."""
    value = scan.number
    if value is None:
        raise InvalidInput(f"not a number: type the {what}")
    if value != value.to_integral_value() or not 0 < value <= maximum:
        raise InvalidInput(f"{what}: type a whole number from 1 to {maximum}")
    return int(value)


def decimal_number(scan: ParsedScan, what: str, *, maximum: Decimal) -> Decimal:
    value = scan.number
    if value is None:
        raise InvalidInput(f"not a number: type the {what}")
    if not 0 < value <= maximum:
        raise InvalidInput(f"{what}: type more than 0 and at most {maximum}")
    return value

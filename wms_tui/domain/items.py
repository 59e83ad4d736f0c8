"""Item attributes that decide how stock of an item may move."""

from enum import StrEnum

from stdnum import ean

from wms_tui.domain import text
from wms_tui.domain.errors import InvalidInput

GTIN_LENGTHS = (8, 12, 13, 14)


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


def gtin_variants(gtin14: str) -> list[str]:
    """The ways one GTIN may be stored: GTIN-14 as scanners report it, and the shorter GTIN-13,
    GTIN-12 and GTIN-8 forms printed on items (padding zeros removed)."""
    variants = [gtin14]
    for length in (13, 12, 8):
        padding = len(gtin14) - length
        if padding > 0 and gtin14[:padding] == "0" * padding:
            variants.append(gtin14[padding:])
    return variants


def item_barcode(barcode: str) -> str:
    """A barcode to store for an item. All digits of a GTIN's length is a GTIN (EAN/UPC): its
    check digit must be right, or scanners would refuse every label carrying it."""
    barcode = text.field(barcode, "barcode", text.BARCODE_LENGTH)
    if barcode.isascii() and barcode.isdigit() and len(barcode) in GTIN_LENGTHS and not ean.is_valid(barcode):
        expected = ean.calc_check_digit(barcode[:-1])
        raise InvalidInput(f"barcode {barcode} is not a valid GTIN: its check digit should be {expected}, not {barcode[-1]}")
    return barcode

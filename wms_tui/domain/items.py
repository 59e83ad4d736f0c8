"""Item attributes that decide how stock of an item may move."""

from decimal import Decimal
from enum import StrEnum

from stdnum import ean

from wms_tui.domain import text
from wms_tui.domain.errors import InvalidInput

GTIN_LENGTHS = (8, 12, 13, 14)
# The packaging of a barcode that counts one unit (others name theirs: "case", "inner", ...).
UNIT_PACKAGING = "unit"


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"


def gtin_variants(scanned: str) -> list[str]:
    """The forms one GTIN may be stored in: as scanned, and as GTIN-14, -13, -12 and -8 with
    the padding zeros added or removed, so a GS1 (01) scan finds an item registered by its
    EAN-13 or UPC-A and a typed EAN finds one registered by its GTIN-14."""
    code = scanned.strip()
    variants = [code]
    if code.isdigit() and len(code) <= 14:
        padded = code.zfill(14)
        variants += [padded[14 - width :] for width in (14, 13, 12, 8) if padded[: 14 - width].strip("0") == ""]
    return list(dict.fromkeys(variants))


def item_barcode(barcode: str) -> str:
    """A barcode to store for an item. All digits of a GTIN's length is a GTIN (EAN/UPC): its
    check digit must be right, or scanners would refuse every label carrying it."""
    barcode = text.field(barcode, "barcode", text.BARCODE_LENGTH)
    if barcode.isascii() and barcode.isdigit() and len(barcode) in GTIN_LENGTHS and not ean.is_valid(barcode):
        expected = ean.calc_check_digit(barcode[:-1])
        raise InvalidInput(f"barcode {barcode} is not a valid GTIN: its check digit should be {expected}, not {barcode[-1]}")
    return barcode


def lot_problem(sku: str, tracking: Tracking, has_lot: bool, quantity: Decimal) -> str | None:
    """Why a move of `quantity` of a (not) tracked item with (or without) a lot is refused."""
    if not has_lot:
        return f"item {sku} is tracked by {tracking.value}: a lot is required" if tracking is not Tracking.NONE else None
    if tracking is Tracking.SERIAL and quantity != 1:
        return f"item {sku} is serial-tracked: move one unit per serial number"
    return None

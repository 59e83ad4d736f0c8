"""Item attributes that decide how stock of an item may move."""

from enum import StrEnum


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

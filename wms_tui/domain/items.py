"""Item attributes that decide how stock of an item may move."""

from enum import StrEnum


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

"""Location kinds, their reporting groups, and scan-to-verify check digits."""

from __future__ import annotations

import re
from enum import StrEnum

from stdnum.iso7064 import mod_97_10

from wms_tui.domain import text
from wms_tui.domain.errors import InvalidInput


class LocationKind(StrEnum):
    VIEW = "view"  # a node of the tree (warehouse, zone, aisle) that holds no stock itself
    INTERNAL = "internal"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    INVENTORY_LOSS = "inventory_loss"
    SCRAP = "scrap"
    PRODUCTION = "production"
    TRANSIT = "transit"
    OPENING = "opening"
    # Standard-costed purchases pass through it (price paid in, standard cost out), so its value
    # is the purchase price variance; cost revaluations of AVCO and FIFO stock net to 0 there.
    PRICE_VARIANCE = "price_variance"


class ValuationGroup(StrEnum):
    PHYSICAL = "Physical Locations"
    PARTNER = "Partner Locations"
    VIRTUAL = "Virtual Locations"


VALUATION_GROUP = {
    LocationKind.VIEW: ValuationGroup.PHYSICAL,
    LocationKind.INTERNAL: ValuationGroup.PHYSICAL,
    LocationKind.SUPPLIER: ValuationGroup.PARTNER,
    LocationKind.CUSTOMER: ValuationGroup.PARTNER,
    LocationKind.TRANSIT: ValuationGroup.VIRTUAL,
    LocationKind.OPENING: ValuationGroup.VIRTUAL,
    LocationKind.INVENTORY_LOSS: ValuationGroup.VIRTUAL,
    LocationKind.SCRAP: ValuationGroup.VIRTUAL,
    LocationKind.PRODUCTION: ValuationGroup.VIRTUAL,
    LocationKind.PRICE_VARIANCE: ValuationGroup.VIRTUAL,
}

# Partner and virtual locations are reported per kind (the reference's location-value table);
# internal stock is reported per warehouse.
VALUATION_LABEL = {
    LocationKind.SUPPLIER: "Suppliers",
    LocationKind.CUSTOMER: "Customers",
    LocationKind.TRANSIT: "Transit Location",
    LocationKind.OPENING: "Initial Inventory",
    LocationKind.INVENTORY_LOSS: "Inventory Loss",
    LocationKind.SCRAP: "Scrapped",
    LocationKind.PRODUCTION: "Manufacturing",
    LocationKind.PRICE_VARIANCE: "Price Variance",
}

# The one Price Variance location (shared by all warehouses, like Suppliers).
PRICE_VARIANCE_CODE = "PRICE-VARIANCE"
# Where stock is the company's and carries its cost: a move out of one takes the value it holds.
VALUED_KINDS = frozenset({LocationKind.INTERNAL, LocationKind.TRANSIT})
STOCK_HOLDING_KINDS = frozenset(kind for kind in LocationKind if kind is not LocationKind.VIEW)
CHECK_SEPARATOR = "."


def check_digits(code: str) -> str:
    """Two check digits (ISO 7064 MOD 97-10, as in IBAN) that a picker can read aloud."""
    if not code:
        raise InvalidInput("a location code cannot be empty")
    return mod_97_10.calc_check_digits("".join(ch for ch in code.upper() if ch.isalnum()))


# Warehouse and bin codes: letters, digits, '-' and '_' (ASCII). '/' separates the levels of a
# full code and '.' its check digits, so neither may appear inside one level.
LOCATION_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")


def location_code(code: str, what: str, max_length: int) -> str:
    """One level of a location code (warehouse or bin), upper-cased; refuses anything else."""
    upper = text.field(code, what, max_length).upper()
    if not LOCATION_CODE.match(upper):
        raise InvalidInput(f"{what} {text.shown(upper)!r}: use only letters A-Z, digits, '-' and '_'")
    return upper


def location_barcode(code: str) -> str:
    return f"{code}{CHECK_SEPARATOR}{check_digits(code)}"


def code_from_barcode(barcode: str) -> str:
    """The location code inside a scanned location barcode, after verifying its check digits;
    in capitals, as codes are stored (a label typed in small letters is the same bin)."""
    code, separator, check = barcode.strip().rpartition(CHECK_SEPARATOR)
    if not separator or len(check) != 2 or not check.isdigit():
        raise InvalidInput(f"{barcode!r} is not a location barcode (expected CODE.NN)")
    if check_digits(code) != check:
        raise InvalidInput(f"location barcode {barcode!r} has a wrong check digit: rescan the bin label")
    return code.upper()

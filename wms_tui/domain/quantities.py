"""Exact quantities and money.

Stock is counted in Decimal with a fixed number of places and never in binary floats: 0.1 + 0.2
must be 0.3 when a picker counts litres. The store keeps them as scaled integers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.typed import looks_decimal, typed_decimal

ZERO = Decimal(0)
QUANTITY_PLACES = 3
MONEY_PLACES = 4
# A single move above this is a typo (an extra zero, a GTIN scanned into the quantity field).
MAX_MOVE_QUANTITY = Decimal("1000000")
MAX_UNIT_COST = Decimal("100000000")
# The database keeps quantities and money as scaled 64-bit integers (BIGINT) on SQLite and
# PostgreSQL alike: nothing larger is ever sent (SQLite would turn it into a float, PostgreSQL
# refuse it with "bigint out of range").
MAX_STORED_UNITS = 2**63 - 1
MAX_STORED_QUANTITY = Decimal(MAX_STORED_UNITS).scaleb(-QUANTITY_PLACES)
MAX_STORED_MONEY = Decimal(MAX_STORED_UNITS).scaleb(-MONEY_PLACES)


def _to_decimal(value: object, what: str) -> Decimal:
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput(f"{what} must be an exact decimal (got the float {value!r}); pass a str or Decimal")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, str) and looks_decimal(value):
        number = typed_decimal(value, what)  # "2,5" as typed with a decimal comma
    elif isinstance(value, int | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise InvalidInput(f"{what} {value!r} is not a number") from None
    else:
        raise InvalidInput(f"{what} must be a number, got {type(value).__name__}")
    if not number.is_finite():
        raise InvalidInput(f"{what} {value!r} is not a finite number")
    return number


def _check_places(number: Decimal, places: int, what: str, value: object) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum, rounding="ROUND_DOWN"):
        raise InvalidInput(f"{what} {value!r} has more than {places} decimal places")
    return number.quantize(quantum)


def _quantity(value: object, what: str, *, zero_allowed: bool) -> Decimal:
    number = _to_decimal(value, what)
    if number < 0 or (number == 0 and not zero_allowed):
        rule = "cannot be negative" if zero_allowed else "must be greater than zero"
        raise InvalidInput(f"{what} {rule}, got {value!r}")
    if number > MAX_MOVE_QUANTITY:
        raise InvalidInput(f"{what} {value!r} is larger than {MAX_MOVE_QUANTITY} (typo or a barcode in the quantity field?)")
    return _check_places(number, QUANTITY_PLACES, what, value)


def move_quantity(value: object) -> Decimal:
    """A quantity for one stock move: positive, at most 3 places, not absurdly large."""
    return _quantity(value, "quantity", zero_allowed=False)


def counted_quantity(value: object) -> Decimal:
    """A counted quantity: zero allowed, negative not."""
    return _quantity(value, "counted quantity", zero_allowed=True)


def unit_cost(value: object) -> Decimal:
    """A unit cost or price: zero or more, at most 4 places."""
    number = _to_decimal(value, "unit cost")
    if number < 0:
        raise InvalidInput(f"unit cost cannot be negative, got {value!r}")
    if number > MAX_UNIT_COST:
        raise InvalidInput(f"unit cost {value!r} is larger than {MAX_UNIT_COST}")
    return _check_places(number, MONEY_PLACES, "unit cost", value)


def to_units(number: Decimal, places: int) -> int:
    """Scale an exact decimal to the integer the database stores; refuses what a BIGINT cannot hold."""
    # Converted first and checked after: bulk writes convert every quantity and cost they store.
    try:
        units = int(number.scaleb(places))
    except (ArithmeticError, ValueError):  # infinity (OverflowError) or NaN
        raise InvalidInput(f"{number} is not a finite number") from None
    if -MAX_STORED_UNITS <= units <= MAX_STORED_UNITS:
        return units
    largest = format(Decimal(MAX_STORED_UNITS).scaleb(-places), "f")
    raise InvalidInput(f"{display(number)} is out of range: amounts are at most {largest}")


def from_units(units: int | None, places: int) -> Decimal:
    return Decimal(units or 0).scaleb(-places)


def display(number: Decimal) -> str:
    """A quantity as people write it: 12, 2.5, -3 (no trailing zeros, no exponent)."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text

"""Column types that keep exact decimals exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

from wms_tui.domain.quantities import MONEY_PLACES, QUANTITY_PLACES, from_units, to_units


class ScaledDecimal(TypeDecorator):
    """A Decimal stored as a scaled BIGINT: SQLite has no exact decimal type."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, places: int) -> None:
        super().__init__()
        self.places = places

    def process_bind_param(self, value: Decimal | int | None, dialect) -> int | None:
        if value is None:
            return None
        return to_units(Decimal(value), self.places)

    def process_result_value(self, value: int | None, dialect) -> Decimal | None:
        if value is None:
            return None
        return from_units(value, self.places)


def Quantity() -> ScaledDecimal:  # noqa: N802 - reads like a type in column declarations
    return ScaledDecimal(QUANTITY_PLACES)


def Money() -> ScaledDecimal:  # noqa: N802
    return ScaledDecimal(MONEY_PLACES)

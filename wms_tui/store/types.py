"""Column types that keep exact decimals exact on SQLite and PostgreSQL alike."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, String
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


class StrEnumType(TypeDecorator):
    """A StrEnum stored as its value in a VARCHAR, read back as the enum member."""

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[StrEnum], length: int = 20) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: StrEnum | str | None, dialect) -> str | None:
        return None if value is None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect) -> StrEnum | None:
        return None if value is None else self.enum_class(value)

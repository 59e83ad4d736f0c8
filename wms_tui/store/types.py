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
        # Bulk writes and reads convert one value per row: a dict look-up costs a fraction of the
        # enum's call. Members and their values are both accepted keys.
        self._members = {member.value: member for member in enum_class}
        self._values = {**{member: member.value for member in enum_class}, **{member.value: member.value for member in enum_class}}

    def process_bind_param(self, value: StrEnum | str | None, dialect) -> str | None:
        if value is None:
            return None
        found = self._values.get(value)
        # Not a member's value: the enum raises the error that names the value.
        return found if found is not None else self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect) -> StrEnum | None:
        if value is None:
            return None
        found = self._members.get(value)
        return found if found is not None else self.enum_class(value)

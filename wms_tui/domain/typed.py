"""Input as people type it: numbers with a decimal comma or point, dates as they are printed.

One parser for each, used wherever a quantity, a weight or a date is typed (floor screens,
console forms, the command line), so "2,5" and "31.12.26" mean the same everywhere.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from wms_tui.domain.errors import InvalidInput

# Digits with at most one decimal separator, comma or point; no thousands separators (1.000
# would be read two ways), no exponent, no sign.
_DECIMAL = re.compile(r"^\d+([.,]\d+)?$|^[.,]\d+$")


def typed_decimal(text: str, what: str = "number") -> Decimal:
    """A non-negative decimal as typed: "2.5", "2,5", "12", ",5". Limits are the caller's."""
    value = text.strip()
    if not _DECIMAL.match(value):
        raise InvalidInput(f"{what}: {value!r} is not a number (digits, one ',' or '.')")
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidInput(f"{what}: {value!r} is not a number") from None


def looks_decimal(text: str) -> bool:
    return bool(_DECIMAL.match(text.strip()))


class DateOrder(StrEnum):
    """How a date written with '/' or '.' is read ([ui] date_order)."""

    DMY = "dmy"  # 31/12/2026, 31.12.26
    MDY = "mdy"  # 12/31/2026


DATE_HINT = {DateOrder.DMY: "YYYY-MM-DD, DD.MM.YY or DD/MM/YYYY", DateOrder.MDY: "YYYY-MM-DD, MM/DD/YY or MM/DD/YYYY"}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WRITTEN = re.compile(r"^(\d{1,2})([./])(\d{1,2})\2(\d{2}|\d{4})$")
_GS1 = re.compile(r"^\d{6}$")


def typed_date(text: str, order: DateOrder = DateOrder.DMY, what: str = "date") -> date:
    """A date as printed on a label or typed: 2026-12-31, 31.12.26 / 31/12/2026 (or 12/31/2026
    by `order`), or GS1's YYMMDD (AI 17: 261231; day 00 is the month's last day)."""
    value = text.strip()
    try:
        if match := _ISO.match(value):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _WRITTEN.match(value):
            first, _separator, second, year_text = match.groups()
            day, month = (int(first), int(second)) if order is DateOrder.DMY else (int(second), int(first))
            year = int(year_text) + (2000 if len(year_text) == 2 else 0)
            return date(year, month, day)
        if _GS1.match(value):
            year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
            if day == 0:
                return _month_end(year, month)
            return date(year, month, day)
    except ValueError:
        raise InvalidInput(f"{what}: {value!r} is not a date: no such day") from None
    raise InvalidInput(f"{what}: {value!r} is not a date: type {DATE_HINT[order]} or YYMMDD")


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)

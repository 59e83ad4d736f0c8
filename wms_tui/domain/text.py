"""Text that people type or import: its limits, checked before anything reaches the database
(SQLite would store an over-long value silently where PostgreSQL refuses it), and its display.

The lengths are the column lengths of the schema; a test keeps the two equal.
"""

from __future__ import annotations

import re

from wms_tui.domain.errors import InvalidInput

SKU_LENGTH = 40
ITEM_NAME_LENGTH = 200
UOM_LENGTH = 10
BARCODE_LENGTH = 64
LOCATION_CODE_LENGTH = 60
LOCATION_NAME_LENGTH = 100
WAREHOUSE_CODE_LENGTH = 20
WAREHOUSE_NAME_LENGTH = 100
LOT_CODE_LENGTH = 40
CONTAINER_CODE_LENGTH = 40
OPERATOR_CODE_LENGTH = 40
OPERATOR_NAME_LENGTH = 100
BADGE_LENGTH = 60

# A screen line longer than this is cut: a megabyte typed or scanned is not echoed back whole.
SCREEN_LINE_LIMIT = 200

# C0 and C1 control characters and DEL: never part of a name or a code.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Shown on a terminal: any control character except the line breaks a text is laid out with.
_UNPRINTABLE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def field(value: str, what: str, max_length: int, *, required: bool = True) -> str:
    """A code or name: stripped, not empty (if required), no control characters, not too long."""
    text = value.strip()
    if required and not text:
        raise InvalidInput(f"{what} cannot be empty")
    control = CONTROL.search(text)
    if control:
        raise InvalidInput(f"{what} {shown(text)!r} contains a control character ({shown(control.group())})")
    if len(text) > max_length:
        raise InvalidInput(f"{what} is {len(text)} characters long; at most {max_length}")
    return text


def shown(text: str) -> str:
    """Text safe to put on a terminal: control characters (an ESC starting a colour code, a
    bell) are written out as \\x1b etc. instead of acting on the screen."""
    return _UNPRINTABLE.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def for_screen(text: str) -> str:
    """Text for a terminal screen: shown(), and each line longer than SCREEN_LINE_LIMIT cut in
    the middle (the reason at the end of a message stays readable)."""
    return "\n".join(_cut(line) for line in shown(text).split("\n"))


def _cut(line: str) -> str:
    if len(line) <= SCREEN_LINE_LIMIT:
        return line
    head = SCREEN_LINE_LIMIT // 2
    return f"{line[:head]}…{line[len(line) - (SCREEN_LINE_LIMIT - head - 1):]}"

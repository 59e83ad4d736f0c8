"""Item attributes that decide how stock of an item may move."""

from enum import StrEnum


class Tracking(StrEnum):
    NONE = "none"
    LOT = "lot"
    SERIAL = "serial"

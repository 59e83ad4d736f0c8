"""Column helpers shared by the table modules: exact decimals, text, enums and timestamps."""

from __future__ import annotations

import uuid
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Column, DateTime, String, Uuid
from sqlmodel import Field
from uuid6 import uuid7

from wms_tui.store.types import Money, Quantity, StrEnumType


def quantity_field(default: Decimal | None = None) -> Decimal:
    if default is None:
        return Field(sa_column=Column(Quantity(), nullable=False))
    return Field(default=default, sa_column=Column(Quantity(), nullable=False, server_default="0"))


def money_field(default: Decimal | None = None) -> Decimal:
    if default is None:
        return Field(sa_column=Column(Money(), nullable=False))
    return Field(default=default, sa_column=Column(Money(), nullable=False, server_default="0"))


def text_field(length: int, *, nullable: bool = False, default: str | None = None):
    if default is None:
        return Field(default=None if nullable else ..., sa_column=Column(String(length), nullable=nullable))
    return Field(default=default, sa_column=Column(String(length), nullable=nullable, server_default=default))


def enum_field(enum_class: type[StrEnum], length: int, *, nullable: bool = False, default: StrEnum | None = None):
    """A state, kind or reason stored as its value (the column stays a VARCHAR of `length`)."""
    column_type = StrEnumType(enum_class, length)
    if default is None:
        return Field(default=None if nullable else ..., sa_column=Column(column_type, nullable=nullable))
    return Field(default=default, sa_column=Column(column_type, nullable=nullable, server_default=default.value))


def timestamp_field(*, nullable: bool = False):
    return Field(default=None if nullable else ..., sa_column=Column(DateTime(timezone=True), nullable=nullable))


def uid_field() -> uuid.UUID | None:
    """A row's global id (UUIDv7): how it travels between terminals and the central database.
    Nullable only because migrations add it to tables that already have rows (and fill it)."""
    return Field(default_factory=uuid7, sa_column=Column(Uuid(), nullable=True, index=True, unique=True, default=uuid7))

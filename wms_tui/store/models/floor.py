"""The floor: operators and each terminal's saved flow step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, Text
from sqlmodel import Field, SQLModel

from wms_tui.domain.flows import Role
from wms_tui.store.types import StrEnumType


class Operator(SQLModel, table=True):
    """A person who signs in on a terminal, by badge scan or by id and PIN."""

    __tablename__ = "operator"
    code: str = Field(sa_column=Column(String(40), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    role: Role = Field(sa_column=Column(StrEnumType(Role, 20), nullable=False))
    badge: str = Field(sa_column=Column(String(60), nullable=False, unique=True))
    # PBKDF2-SHA256 as "iterations$salt-hex$hash-hex": a stolen database does not give PINs away.
    pin_hash: str = Field(sa_column=Column(String(200), nullable=False))
    active: bool = Field(default=True)


class FloorSession(SQLModel, table=True):
    """One row per terminal: who is signed in and the persisted flow step. It is written in
    the same transaction as the moves a scan posts, so a restart resumes exactly there."""

    __tablename__ = "floor_session"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    operator: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    state: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


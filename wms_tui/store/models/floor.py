"""The floor: operators, their sign-in security (site key, locks, audit trail) and each
terminal's saved flow step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlmodel import Field

from wms_tui.domain.auth import AuthKind, AuthOutcome
from wms_tui.domain.flows import Role
from wms_tui.store.models.base import TableModel
from wms_tui.store.types import StrEnumType


class Operator(TableModel, table=True):
    """A person who signs in on a terminal: badge scan (or typed id), then PIN."""

    __tablename__ = "operator"
    code: str = Field(sa_column=Column(String(40), primary_key=True))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    role: Role = Field(sa_column=Column(StrEnumType(Role, 20), nullable=False))
    # HMAC-SHA256 of the badge code under the site key (hex): a badge is never stored or listed
    # in clear, so a listing or an export of this table gives no badge away.
    badge_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    # PBKDF2-SHA256 as "iterations$salt-hex$hash-hex": a stolen database does not give PINs away.
    pin_hash: str = Field(sa_column=Column(String(200), nullable=False))
    active: bool = Field(default=True)
    failed_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    locked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class SiteSecret(TableModel, table=True):
    """Keys this site's databases share (made by the migration): `badge` keys the badge hashes."""

    __tablename__ = "site_secret"
    name: str = Field(sa_column=Column(String(40), primary_key=True))
    value: str = Field(sa_column=Column(String(128), nullable=False))


class TerminalLock(TableModel, table=True):
    """Failed sign-ins and approvals in a row on one terminal, whoever tried."""

    __tablename__ = "terminal_lock"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    failed_attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    locked_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class AuthEvent(TableModel, table=True):
    """The audit trail of sign-ins, sign-outs, failed attempts, approvals and unlocks. Only
    added to: the application role may not change or delete it (store/roles.py)."""

    __tablename__ = "auth_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False, index=True))
    kind: AuthKind = Field(sa_column=Column(StrEnumType(AuthKind, 20), nullable=False))
    outcome: AuthOutcome = Field(sa_column=Column(StrEnumType(AuthOutcome, 20), nullable=False))
    # Who it was about, when known (never what an unknown badge or id was: no badge in clear).
    operator: str | None = Field(default=None, sa_column=Column(String(40), nullable=True, index=True))
    terminal_id: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    detail: str = Field(default="", sa_column=Column(String(200), nullable=False, server_default=""))


class FloorSession(TableModel, table=True):
    """One row per terminal: who is signed in and the persisted flow step. It is written in
    the same transaction as the moves a scan posts, so a restart resumes exactly there."""

    __tablename__ = "floor_session"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    operator: str | None = Field(default=None, sa_column=Column(String(40), nullable=True))
    state: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))



class HeldStep(TableModel, table=True):
    """An operator's pending flow step, kept when another operator signed in on their terminal:
    it is theirs again when they sign in (on any terminal), until a supervisor releases it."""

    __tablename__ = "held_step"
    operator: str = Field(sa_column=Column(String(40), primary_key=True))
    terminal_id: str = Field(sa_column=Column(String(40), nullable=False))
    state: str = Field(sa_column=Column(Text(), nullable=False))
    saved_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))

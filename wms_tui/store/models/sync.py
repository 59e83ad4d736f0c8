"""Sync between terminals and the central database: the central registry of terminals and its
change counters, the terminal's own sync position, and the conflicts sync raises."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, Integer, String, UniqueConstraint
from sqlmodel import Field

from wms_tui.domain.sync import ConflictKind
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import enum_field, text_field, timestamp_field


class SyncTerminal(TableModel, table=True):
    """Central: a terminal allowed to sync, its credential (SHA-256 of the enrolment secret)
    and how far its moves have been applied."""

    __tablename__ = "sync_terminal"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    warehouse_id: int = Field(foreign_key="warehouse.id", index=True)
    secret_hash: str = text_field(64)
    created_at: datetime = timestamp_field()
    revoked_at: datetime | None = timestamp_field(nullable=True)
    last_contact_at: datetime | None = timestamp_field(nullable=True)
    # The highest sequence applied centrally, and that move's chain hash: a push must continue it.
    applied_sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    applied_hash: str = text_field(64, default="")


class ChangeCounter(TableModel, table=True):
    """Central: the last change number per scope (a warehouse id; 0 for master data shared by
    all). Bumped by an UPDATE at the very end of the writing transaction (see ChangeDue), so the
    row lock orders the commits: whoever reads change n committed can never later see a change
    below n appear."""

    __tablename__ = "change_counter"
    warehouse_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last_change: int = Field(sa_column=Column(BigInteger, nullable=False))


class ChangeDue(TableModel, table=True):
    """Central: the scopes a transaction logged changes in, one row per scope and transaction,
    deleted again before it commits. A change is logged with a provisional (negative) number;
    a deferred trigger on this table numbers the transaction's changes from the counters at
    commit, so a writer holds a counter row only for its commit, not for its whole transaction.
    No key but `id`: concurrent writers of one scope must not wait on each other's rows."""

    __tablename__ = "change_due"
    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    warehouse_id: int = Field(sa_column=Column(Integer, nullable=False))


class ChangeLog(TableModel, table=True):
    """Central: the latest change of each pulled master-data or document row, by scope and
    change number (written by triggers, so every writer is seen)."""

    __tablename__ = "change_log"
    __table_args__ = (UniqueConstraint("table_name", "row_key", name="uq_change_log_row"),)
    warehouse_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    change_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    table_name: str = text_field(40)
    row_key: str = text_field(60)


class MoveChange(TableModel, table=True):
    """Central: each move's change number in its warehouse (written by a statement trigger on
    stock_move), the pull cursor of other terminals' moves."""

    __tablename__ = "move_change"
    warehouse_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    change_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    move_id: uuid.UUID = Field(unique=True)


class SyncState(TableModel, table=True):
    """Terminal: how far its moves were acknowledged, how far it pulled, and how its last
    contact with the central service went (for the status line and `wms-tui sync --status`)."""

    __tablename__ = "sync_state"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    acknowledged_sequence: int = Field(default=0)
    master_cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    warehouse_cursor: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))
    last_success_at: datetime | None = timestamp_field(nullable=True)
    offline_since: datetime | None = timestamp_field(nullable=True)
    last_error: str | None = text_field(300, nullable=True)


class SyncConflict(TableModel, table=True):
    """A physical fact sync accepted that a supervisor must look at (a balance driven negative,
    one task confirmed on two terminals). Resolved through exception_resolution."""

    __tablename__ = "sync_conflict"
    __table_args__ = (Index("ix_sync_conflict_warehouse", "warehouse_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID = Field(unique=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    kind: ConflictKind = enum_field(ConflictKind, 30)
    terminal_id: str = text_field(40)
    # The moves involved, as UUIDs separated by spaces.
    move_ids: str = Field(sa_column=Column(String(2000), nullable=False))
    detail: str = text_field(300)
    created_at: datetime = timestamp_field()


class DocumentOutbox(TableModel, table=True):
    """Terminal: the documents it created or changed (store/pushed_rows.PUSHED: a table and the
    row's natural key, a uid's hex or a container's code) since central last applied them,
    written by triggers while it syncs (migrations 0017_sync_outbound_docs and
    0018_sync_inbound_docs); a push sends the rows as they are then."""

    __tablename__ = "document_outbox"
    id: int | None = Field(default=None, primary_key=True)
    table_name: str = text_field(40)
    row_key: str = text_field(60)

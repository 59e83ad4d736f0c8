"""The ledger: moves, balances and the per-terminal numbering that keeps ids gap-free and collision-free."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlmodel import Field

from wms_tui.store.light_tables import PACED_CONDITION
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import money_field, quantity_field, text_field

# Balances key "no lot" / "no container" as 0 so the composite primary key stays NOT NULL
# (NULLs never collide in a unique key, which would split one balance into many rows).
NO_LOT = 0


NO_CONTAINER = 0

_REVERSAL = "reverses_id IS NOT NULL"
_DOCUMENT = "document_ref IS NOT NULL"


def _partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the moves `where` holds for (0028_sparse_move_indexes): a move writes no
    entry for a NULL or a reason nothing looks up."""
    return Index(name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where))


class StockMove(TableModel, table=True):
    """One posted movement of a positive quantity. Never updated or deleted (triggers refuse it)."""

    __tablename__ = "stock_move"
    __table_args__ = (
        UniqueConstraint("terminal_id", "sequence", name="uq_stock_move_terminal_sequence"),
        Index("ix_stock_move_item", "item_id"),
        _partial_index("ix_stock_move_document", "document_ref", where=_DOCUMENT),
        # Today's picks and receipts per hour (the console's dashboard) without reading the history.
        _partial_index("ix_stock_move_paced", "reason", "created_at", where=PACED_CONDITION),
        # A move is reversed at most once, enforced by the database even across terminals.
        _partial_index("uq_stock_move_reverses", "reverses_id", where=_REVERSAL, unique=True),
    )
    id: uuid.UUID = Field(primary_key=True)
    terminal_id: str = Field(sa_column=Column(String(40), nullable=False))
    sequence: int = Field(sa_column=Column(Integer, nullable=False))
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id"), nullable=False))
    from_location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    to_location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    lot_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("lot.id")))
    container_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("container.id")))
    quantity: Decimal = quantity_field()
    unit_cost: Decimal = money_field()
    operator: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    document_ref: str | None = Field(default=None, sa_column=Column(String(60)))
    document_line_id: int | None = None
    # A MoveReason code. Moves posted before revision 0005 may carry an older spelling, so the
    # column stays plain text and readers go through MoveReason.parse / MoveReason.spellings.
    reason: str | None = Field(default=None, sa_column=Column(String(40)))
    reverses_id: uuid.UUID | None = Field(default=None, foreign_key="stock_move.id")
    # SHA-256 of this move and the terminal's previous move's hash (store.ledger.move_hash):
    # a move changed behind the triggers' back no longer matches (`wms-tui db check`).
    # Nullable only because a column added to SQLite cannot be NOT NULL without a default.
    chain_hash: str | None = Field(default=None, sa_column=Column(String(64)))
    # The warehouse the move belongs to (its source's, else its destination's): the key a
    # central ledger is partitioned and pulled by.
    warehouse_id: int | None = Field(default=None, sa_column=Column(Integer))
    # When sync brought the move into this database (None: posted here). Its chain hash is the
    # posting terminal's, computed over that terminal's row ids, so it is kept, not recomputed.
    received_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class StockBalance(TableModel, table=True):
    """Quantity and value per (item, location, lot, container), kept in the move's transaction."""

    __tablename__ = "stock_balance"
    # WITHOUT ROWID on SQLite: rows are stored in primary-key order, so an item's balances are
    # read as one contiguous range (on-hand and available are read on every scan).
    __table_args__ = (Index("ix_stock_balance_location", "location_id"), {"sqlite_with_rowid": False})
    item_id: int = Field(primary_key=True)
    location_id: int = Field(primary_key=True)
    lot_id: int = Field(default=NO_LOT, primary_key=True)
    container_id: int = Field(default=NO_CONTAINER, primary_key=True)
    quantity: Decimal = quantity_field()
    value: Decimal = money_field()


class TerminalSequence(TableModel, table=True):
    """Last move sequence number per terminal; bumped in the posting transaction, so gap-free."""

    __tablename__ = "terminal_sequence"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    last_sequence: int = Field(default=0)


class NumberRange(TableModel, table=True):
    """A block of serial numbers owned by one terminal, so terminals working offline never collide."""

    __tablename__ = "number_range"
    __table_args__ = (UniqueConstraint("purpose", "terminal_id", name="uq_number_range_terminal"),)
    id: int | None = Field(default=None, primary_key=True)
    purpose: str = text_field(20)
    terminal_id: str = text_field(40)
    # Put before the serial: for SSCCs the extension digit and the GS1 company prefix.
    prefix: str = text_field(20, default="")
    first_value: int
    last_value: int
    next_value: int


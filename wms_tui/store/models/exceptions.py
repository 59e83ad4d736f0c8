"""Stock exceptions: what the floor could not settle by itself, waiting for a supervisor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field

from wms_tui.domain.states import StockExceptionKind, StockExceptionState
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import enum_field, text_field, timestamp_field


class StockException(TableModel, table=True):
    """One exception: its kind, the document and moves involved, and how it was resolved."""

    __tablename__ = "stock_exception"
    __table_args__ = (Index("ix_stock_exception_state", "state"), Index("ix_stock_exception_document", "document_ref"))
    id: int | None = Field(default=None, primary_key=True)
    kind: StockExceptionKind = enum_field(StockExceptionKind, 30)
    state: StockExceptionState = enum_field(StockExceptionState, 10, default=StockExceptionState.OPEN)
    # Nullable only because a column added to SQLite cannot be NOT NULL without a default.
    warehouse_id: int | None = Field(default=None, foreign_key="warehouse.id")
    document_ref: str | None = text_field(60, nullable=True)
    # Ids of the moves involved, space separated (the ledger's moves are never changed).
    move_ids: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    detail: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = timestamp_field()
    resolved_at: datetime | None = timestamp_field(nullable=True)
    resolved_by: str | None = text_field(40, nullable=True)
    resolution: str | None = Field(default=None, sa_column=Column(Text, nullable=True))

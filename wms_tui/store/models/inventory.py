"""Inventory documents: counts and transfers between warehouses."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field

from wms_tui.domain.states import CountLineState, CountSessionState, TransferState
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import quantity_field, uid_field
from wms_tui.store.types import Quantity, StrEnumType


class CountSession(TableModel, table=True):
    __tablename__ = "count_session"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    # A variance above this many units is counted again before it posts.
    recount_threshold: Decimal = quantity_field()
    state: CountSessionState = Field(
        default=CountSessionState.OPEN, sa_column=Column(StrEnumType(CountSessionState, 10), nullable=False)
    )
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CountLine(TableModel, table=True):
    """What to count at one location: an item (and lot). Expected stays hidden from the counter."""

    __tablename__ = "count_line"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    session_id: int = Field(foreign_key="count_session.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    snapshot_quantity: Decimal = quantity_field()  # on hand when the count was planned
    first_count: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    counted_quantity: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    expected_quantity: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    state: CountLineState = Field(
        default=CountLineState.OPEN, sa_column=Column(StrEnumType(CountLineState, 10), nullable=False)
    )
    reason: str | None = Field(default=None, sa_column=Column(String(40)))
    counted_by: str | None = Field(default=None, sa_column=Column(String(40)))


class Transfer(TableModel, table=True):
    """Goods from one warehouse to another through the destination's Transit location."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    from_warehouse_id: int = Field(foreign_key="warehouse.id")
    to_warehouse_id: int = Field(foreign_key="warehouse.id")
    state: TransferState = Field(default=TransferState.DRAFT, sa_column=Column(StrEnumType(TransferState, 10), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class TransferLine(TableModel, table=True):
    __tablename__ = "transfer_line"
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    from_location_id: int = Field(foreign_key="location.id")
    quantity: Decimal = quantity_field()
    received_quantity: Decimal = quantity_field(default=Decimal(0))


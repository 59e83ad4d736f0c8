"""Costing: the FIFO cost layers of an item in a warehouse (domain.costing has the rules)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Index
from sqlmodel import Field

from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import money_field, quantity_field


class CostLayer(TableModel, table=True):
    """Units of a FIFO item that came into a warehouse together, and what is left of their
    value. Consumed oldest (lowest id) first; kept by the ledger in the posting transaction."""

    __tablename__ = "cost_layer"
    __table_args__ = (Index("ix_cost_layer_item_warehouse", "item_id", "warehouse_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    quantity: Decimal = quantity_field()
    value: Decimal = money_field()

"""Inbound tables: supplier data, reorder and putaway rules, receiving documents, counts,
transfers, buy-to-order allocations, bills of materials and supplier invoices."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms_tui.store.models import _money, _quantity
from wms_tui.store.types import Quantity


class SupplierDetail(SQLModel, table=True):
    """What purchasing needs to know about a supplier partner."""

    __tablename__ = "supplier_detail"
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    lead_time_days: int = Field(default=0)
    contact: str | None = Field(default=None, sa_column=Column(String(200)))


class SupplierItem(SQLModel, table=True):
    """An item a supplier sells, at what price; the lowest priority number is preferred."""

    __tablename__ = "supplier_item"
    __table_args__ = (UniqueConstraint("supplier_id", "item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="partner.id")
    item_id: int = Field(foreign_key="item.id", index=True)
    unit_price: Decimal = _money()
    priority: int = Field(default=0)


class ReorderRule(SQLModel, table=True):
    """Min/max for an item at a location. kind "purchase": the location's warehouse buys when
    short; kind "pick_face": the bin is refilled from reserve bins."""

    __tablename__ = "reorder_rule"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    kind: str = Field(sa_column=Column(String(10), nullable=False))
    min_quantity: Decimal = _quantity()
    max_quantity: Decimal = _quantity()
    supplier_id: int | None = Field(default=None, foreign_key="partner.id")


class PutawayRule(SQLModel, table=True):
    """Where an item belongs: kind "fixed_bin" (its own bin) or "zone" (any bin under it)."""

    __tablename__ = "putaway_rule"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    kind: str = Field(sa_column=Column(String(10), nullable=False))


class BinCapacity(SQLModel, table=True):
    __tablename__ = "bin_capacity"
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    max_quantity: Decimal = _quantity()


class Receipt(SQLModel, table=True):
    """A receiving document: against a purchase order or blind. Carries no prices."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    purchase_order_id: int | None = Field(default=None, foreign_key="purchase_order.id", index=True)
    supplier_id: int | None = Field(default=None, foreign_key="partner.id")
    state: str = Field(default="open", sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ReceiptLine(SQLModel, table=True):
    """One accepted scan: what arrived, where it landed, and any over-receipt with its reason."""

    __tablename__ = "receipt_line"
    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    purchase_order_line_id: int | None = Field(default=None, foreign_key="purchase_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    container_id: int | None = Field(default=None, foreign_key="container.id")
    location_id: int = Field(foreign_key="location.id")
    quantity: Decimal = _quantity()
    over_quantity: Decimal = _quantity(default=Decimal(0))
    over_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    operator: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BuyToOrderAllocation(SQLModel, table=True):
    """A purchase line bought for a sales order line (buy-to-order requirement)."""

    __tablename__ = "buy_to_order_allocation"
    id: int | None = Field(default=None, primary_key=True)
    purchase_order_line_id: int = Field(foreign_key="purchase_order_line.id", unique=True)
    sales_order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    quantity: Decimal = _quantity()


class CountSession(SQLModel, table=True):
    __tablename__ = "count_session"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    # A variance above this many units is counted again before it posts.
    recount_threshold: Decimal = _quantity()
    state: str = Field(default="open", sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class CountLine(SQLModel, table=True):
    """What to count at one location: an item (and lot). Expected stays hidden from the counter."""

    __tablename__ = "count_line"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="count_session.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    snapshot_quantity: Decimal = _quantity()  # on hand when the count was planned
    first_count: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    counted_quantity: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    expected_quantity: Decimal | None = Field(default=None, sa_column=Column(Quantity()))
    state: str = Field(default="open", sa_column=Column(String(10), nullable=False))
    reason: str | None = Field(default=None, sa_column=Column(String(40)))
    counted_by: str | None = Field(default=None, sa_column=Column(String(40)))


class Transfer(SQLModel, table=True):
    """Goods from one warehouse to another through the destination's Transit location."""

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    from_warehouse_id: int = Field(foreign_key="warehouse.id")
    to_warehouse_id: int = Field(foreign_key="warehouse.id")
    state: str = Field(default="draft", sa_column=Column(String(10), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class TransferLine(SQLModel, table=True):
    __tablename__ = "transfer_line"
    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    from_location_id: int = Field(foreign_key="location.id")
    quantity: Decimal = _quantity()
    received_quantity: Decimal = _quantity(default=Decimal(0))


class BomLine(SQLModel, table=True):
    """One component of a kit: `quantity` units per kit."""

    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("kit_item_id", "component_item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kit_item_id: int = Field(foreign_key="item.id", index=True)
    component_item_id: int = Field(foreign_key="item.id")
    quantity: Decimal = _quantity()


class SupplierInvoice(SQLModel, table=True):
    __tablename__ = "supplier_invoice"
    __table_args__ = (UniqueConstraint("supplier_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), nullable=False))
    supplier_id: int = Field(foreign_key="partner.id")
    purchase_order_id: int = Field(foreign_key="purchase_order.id", index=True)
    state: str = Field(sa_column=Column(String(10), nullable=False))
    hold_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SupplierInvoiceLine(SQLModel, table=True):
    __tablename__ = "supplier_invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="supplier_invoice.id", index=True)
    purchase_order_line_id: int = Field(foreign_key="purchase_order_line.id", index=True)
    quantity: Decimal = _quantity()
    unit_price: Decimal = _money()

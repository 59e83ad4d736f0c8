"""Purchasing: purchase orders, receipts, buy-to-order allocations and supplier invoices."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field

from wms_tui.domain.inbound import PurchaseState
from wms_tui.domain.states import ReceiptState, SupplierInvoiceState
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import money_field, quantity_field, uid_field
from wms_tui.store.types import StrEnumType


class PurchaseOrder(TableModel, table=True):
    __tablename__ = "purchase_order"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    supplier_id: int = Field(foreign_key="partner.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    state: PurchaseState = Field(default=PurchaseState.OPEN, sa_column=Column(StrEnumType(PurchaseState, 20), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PurchaseOrderLine(TableModel, table=True):
    __tablename__ = "purchase_order_line"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: Decimal = quantity_field()
    received_quantity: Decimal = quantity_field(default=Decimal(0))
    unit_price: Decimal = money_field(default=Decimal(0))
    expected_date: date | None = None


class Receipt(TableModel, table=True):
    """A receiving document: against a purchase order or blind. Carries no prices."""

    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    purchase_order_id: int | None = Field(default=None, foreign_key="purchase_order.id", index=True)
    supplier_id: int | None = Field(default=None, foreign_key="partner.id")
    state: ReceiptState = Field(default=ReceiptState.OPEN, sa_column=Column(StrEnumType(ReceiptState, 10), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class ReceiptLine(TableModel, table=True):
    """One accepted scan: what arrived, where it landed, and any over-receipt with its reason."""

    __tablename__ = "receipt_line"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    receipt_id: int = Field(foreign_key="receipt.id", index=True)
    purchase_order_line_id: int | None = Field(default=None, foreign_key="purchase_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    container_id: int | None = Field(default=None, foreign_key="container.id")
    location_id: int = Field(foreign_key="location.id")
    quantity: Decimal = quantity_field()
    over_quantity: Decimal = quantity_field(default=Decimal(0))
    over_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    operator: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BuyToOrderAllocation(TableModel, table=True):
    """A purchase line bought for a sales order line (buy-to-order requirement)."""

    __tablename__ = "buy_to_order_allocation"
    id: int | None = Field(default=None, primary_key=True)
    purchase_order_line_id: int = Field(foreign_key="purchase_order_line.id", unique=True)
    sales_order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    quantity: Decimal = quantity_field()


class SupplierInvoice(TableModel, table=True):
    __tablename__ = "supplier_invoice"
    __table_args__ = (UniqueConstraint("supplier_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), nullable=False))
    supplier_id: int = Field(foreign_key="partner.id")
    purchase_order_id: int = Field(foreign_key="purchase_order.id", index=True)
    state: SupplierInvoiceState = Field(sa_column=Column(StrEnumType(SupplierInvoiceState, 10), nullable=False))
    hold_reason: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Who released or rejected a held invoice, why and when.
    decided_by: str | None = Field(default=None, sa_column=Column(String(40)))
    decision_reason: str | None = Field(default=None, sa_column=Column(String(200)))
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class SupplierInvoiceLine(TableModel, table=True):
    __tablename__ = "supplier_invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="supplier_invoice.id", index=True)
    purchase_order_line_id: int = Field(foreign_key="purchase_order_line.id", index=True)
    quantity: Decimal = quantity_field()
    unit_price: Decimal = money_field()
    hold_reason: str | None = Field(default=None, sa_column=Column(Text))


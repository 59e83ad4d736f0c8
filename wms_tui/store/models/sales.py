"""Sales: orders, reservations, packing containers, shipments, invoices, payments and returns."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String
from sqlmodel import Field

from wms_tui.domain.outbound import OrderState, ReturnCondition
from wms_tui.domain.states import (
    ContainerState,
    CreditNoteState,
    InvoiceKind,
    InvoiceState,
    PaymentKind,
    PaymentState,
    ReturnDisposition,
    ShipmentState,
)
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import (
    enum_field,
    money_field,
    quantity_field,
    text_field,
    timestamp_field,
    uid_field,
)
from wms_tui.store.types import Quantity, StrEnumType


class SalesOrder(TableModel, table=True):
    __tablename__ = "sales_order"
    __table_args__ = (
        # The console: orders newest first, and the draft and confirmed ones (whose status is derived).
        Index("ix_sales_order_created", "created_at"),
        Index("ix_sales_order_state_created", "state", "created_at"),
        Index("ix_sales_order_customer_created", "customer_id", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    customer_id: int = Field(foreign_key="partner.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    state: OrderState = Field(default=OrderState.QUOTE, sa_column=Column(StrEnumType(OrderState, 20), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Overrides the customer's default back-order policy for this order when set.
    backorder_policy: str | None = Field(default=None, sa_column=Column(String(30)))
    freight: Decimal = money_field(default=Decimal(0))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class SalesOrderLine(TableModel, table=True):
    __tablename__ = "sales_order_line"
    # An item's orders read from the index alone (the console's search by SKU).
    __table_args__ = (Index("ix_sales_order_line_item_order", "item_id", "order_id"),)
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()  # how the line travels between central and terminals
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    quantity: Decimal = quantity_field()
    # Committed: promised from available stock; back ordered: promised but not yet coverable.
    committed_quantity: Decimal = quantity_field(default=Decimal(0))
    backordered_quantity: Decimal = quantity_field(default=Decimal(0))
    unit_price: Decimal = money_field(default=Decimal(0))
    discount_percent: Decimal = money_field(default=Decimal(0))
    tax_rate: Decimal = money_field(default=Decimal(0))
    # quantity = committed + back ordered + cancelled + shipped, always.
    cancelled_quantity: Decimal = quantity_field(default=Decimal(0))
    picked_quantity: Decimal = quantity_field(default=Decimal(0))
    shipped_quantity: Decimal = quantity_field(default=Decimal(0))


class Reservation(TableModel, table=True):
    """Committed stock pinned to a concrete location (and lot) for an order line."""

    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    location_id: int = Field(foreign_key="location.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = quantity_field()


class ShippingContainer(TableModel, table=True):
    """Packing state of a container (box, pallet, tote) used for an order."""

    __tablename__ = "shipping_container"
    container_id: int = Field(foreign_key="container.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    order_id: int | None = Field(default=None, foreign_key="sales_order.id", index=True)
    state: ContainerState = enum_field(ContainerState, 20, default=ContainerState.OPEN)
    weight_kg: Decimal | None = Field(default=None, sa_column=Column(Quantity(), nullable=True))
    closed_at: datetime | None = timestamp_field(nullable=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id", index=True)


class ContainerLine(TableModel, table=True):
    """Units of an order line packed into a container."""

    __tablename__ = "container_line"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    container_id: int = Field(foreign_key="container.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = quantity_field()


class Shipment(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    carrier: str = text_field(60)
    tracking_number: str = text_field(60, default="")
    state: ShipmentState = enum_field(ShipmentState, 20, default=ShipmentState.SHIPPED)
    operator: str = text_field(40)
    shipped_at: datetime = timestamp_field()


class Invoice(TableModel, table=True):
    __table_args__ = (Index("ix_invoice_order_totals", "order_id", "state", "total"),)  # the console's order statuses
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    issued_on: date
    due_on: date
    subtotal: Decimal = money_field()
    tax_total: Decimal = money_field()
    freight: Decimal = money_field(default=Decimal(0))
    total: Decimal = money_field()
    state: InvoiceState = enum_field(InvoiceState, 20, default=InvoiceState.OPEN)
    kind: InvoiceKind = enum_field(InvoiceKind, 10, default=InvoiceKind.INVOICE)
    created_at: datetime = timestamp_field()


class InvoiceLine(TableModel, table=True):
    __tablename__ = "invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    quantity: Decimal = quantity_field()
    unit_price: Decimal = money_field()
    discount_percent: Decimal = money_field(default=Decimal(0))
    tax_rate: Decimal = money_field(default=Decimal(0))
    net: Decimal = money_field()
    tax: Decimal = money_field()
    # On a final invoice, a line deducting what this advance invoice billed (negative quantity).
    advance_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")


class Payment(TableModel, table=True):
    __table_args__ = (Index("ix_payment_invoice_amounts", "invoice_id", "state", "amount"),)  # the console's order statuses
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = money_field()
    paid_on: date
    reference: str = text_field(60, default="")
    state: PaymentState = enum_field(PaymentState, 20, default=PaymentState.POSTED)
    kind: PaymentKind = enum_field(PaymentKind, 10, default=PaymentKind.PAYMENT)
    # A refund: the payment it pays back, and why (its amount is negative).
    refund_of_id: int | None = Field(default=None, foreign_key="payment.id")
    reason: str | None = text_field(200, nullable=True)
    created_at: datetime = timestamp_field()


class SalesReturn(TableModel, table=True):
    __tablename__ = "sales_return"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    warehouse_id: int | None = Field(default=None, foreign_key="warehouse.id")  # the order's
    operator: str = text_field(40)
    created_at: datetime = timestamp_field()


class SalesReturnLine(TableModel, table=True):
    __tablename__ = "sales_return_line"
    id: int | None = Field(default=None, primary_key=True)
    uid: uuid.UUID | None = uid_field()
    return_id: int = Field(foreign_key="sales_return.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = quantity_field()
    condition: ReturnCondition = enum_field(ReturnCondition, 20)
    disposition: ReturnDisposition = enum_field(ReturnDisposition, 20, default=ReturnDisposition.PENDING)
    task_id: int | None = Field(default=None, foreign_key="task.id")


class CreditNote(TableModel, table=True):
    __tablename__ = "credit_note"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    return_id: int = Field(foreign_key="sales_return.id", unique=True)
    issued_on: date
    subtotal: Decimal = money_field()
    tax_total: Decimal = money_field()
    total: Decimal = money_field()
    state: CreditNoteState = enum_field(CreditNoteState, 20, default=CreditNoteState.OPEN)
    created_at: datetime = timestamp_field()



class OrderFacts(TableModel, table=True):
    """What an order's derived status depends on besides its state, kept by triggers on the
    order, its lines, invoices and payments (migration 0020_console_counts says how), so the
    console filters and counts statuses through an index. Nothing writes it but those triggers."""

    __tablename__ = "order_facts"
    __table_args__ = (Index("ix_order_facts_code_created", "code", "created_at"),)
    order_id: int = Field(sa_column=Column(ForeignKey("sales_order.id", ondelete="CASCADE"), primary_key=True))
    state: str = Field(sa_column=Column(String(20), nullable=False))  # the order's
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))  # the order's
    lines: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    shipped_lines: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    done_lines: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))  # shipped or cancelled in full
    picked_lines: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    backordered_lines: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    billed: Decimal = money_field(Decimal(0))  # invoices not void
    received: Decimal = money_field(Decimal(0))  # posted payments of those invoices
    # A draft or confirmed order's state and facts, a bit each (console_views.status_code); NULL otherwise.
    code: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))

"""Outbound tables: customers, tasks, picking, packing, shipping, invoicing and returns.

The generic `task` table is shared with the inbound side (putaway, replenish, count).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms_tui.store.models import _money, _quantity
from wms_tui.store.types import Quantity


def _text(length: int, *, nullable: bool = False, default: str | None = None):
    if default is None:
        return Field(default=None if nullable else ..., sa_column=Column(String(length), nullable=nullable))
    return Field(default=default, sa_column=Column(String(length), nullable=nullable, server_default=default))


def _timestamp(*, nullable: bool = False):
    return Field(default=None if nullable else ..., sa_column=Column(DateTime(timezone=True), nullable=nullable))


class CustomerProfile(SQLModel, table=True):
    """What selling to a partner needs beyond its name: where to ship, how to back order, terms."""

    __tablename__ = "customer_profile"
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    ship_to_name: str = _text(200)
    ship_to_street: str = _text(200, default="")
    ship_to_city: str = _text(100, default="")
    ship_to_postcode: str = _text(20, default="")
    ship_to_country: str = _text(2, default="")
    backorder_policy: str = _text(30)
    payment_terms_days: int = Field(default=30)


class Task(SQLModel, table=True):
    """A unit of floor work (pick, putaway, replenish, count) that one operator claims at a time."""

    __tablename__ = "task"
    __table_args__ = (
        Index("ix_task_queue", "warehouse_id", "kind", "state", "queue_position"),
        Index("ix_task_document", "document_ref"),
        Index("ix_task_assignee", "assignee", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = _text(20)
    state: str = _text(20, default="open")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    location_id: int | None = Field(default=None, foreign_key="location.id")
    target_location_id: int | None = Field(default=None, foreign_key="location.id")
    item_id: int | None = Field(default=None, foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = _quantity(default=Decimal(0))
    done_quantity: Decimal = _quantity(default=Decimal(0))
    assignee: str | None = _text(40, nullable=True)
    # Work order: lower first. Skipping moves a task behind everything queued so far.
    queue_position: int = Field(default=0)
    skip_count: int = Field(default=0)
    batch_ref: str | None = _text(40, nullable=True)
    tote: str | None = _text(40, nullable=True)
    document_ref: str | None = _text(60, nullable=True)
    document_line_id: int | None = None
    reason: str | None = _text(40, nullable=True)
    created_at: datetime = _timestamp()
    claimed_at: datetime | None = _timestamp(nullable=True)
    done_at: datetime | None = _timestamp(nullable=True)


class PickDiscrepancy(SQLModel, table=True):
    """A short pick: what the bin should have held for the task and what the picker found."""

    __tablename__ = "pick_discrepancy"
    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id")
    location_id: int = Field(foreign_key="location.id")
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    expected_quantity: Decimal = _quantity()
    picked_quantity: Decimal = _quantity()
    reason_code: str = _text(40)
    operator: str = _text(40)
    count_task_id: int | None = Field(default=None, foreign_key="task.id")
    created_at: datetime = _timestamp()


class NumberRange(SQLModel, table=True):
    """A block of serial numbers owned by one terminal, so terminals working offline never collide."""

    __tablename__ = "number_range"
    __table_args__ = (UniqueConstraint("purpose", "terminal_id", name="uq_number_range_terminal"),)
    id: int | None = Field(default=None, primary_key=True)
    purpose: str = _text(20)
    terminal_id: str = _text(40)
    # Put before the serial: for SSCCs the extension digit and the GS1 company prefix.
    prefix: str = _text(20, default="")
    first_value: int
    last_value: int
    next_value: int


class ShippingContainer(SQLModel, table=True):
    """Packing state of a container (box, pallet, tote) used for an order."""

    __tablename__ = "shipping_container"
    container_id: int = Field(foreign_key="container.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouse.id")
    order_id: int | None = Field(default=None, foreign_key="sales_order.id", index=True)
    state: str = _text(20, default="open")
    weight_kg: Decimal | None = Field(default=None, sa_column=Column(Quantity(), nullable=True))
    closed_at: datetime | None = _timestamp(nullable=True)
    shipment_id: int | None = Field(default=None, foreign_key="shipment.id", index=True)


class ContainerLine(SQLModel, table=True):
    """Units of an order line packed into a container."""

    __tablename__ = "container_line"
    id: int | None = Field(default=None, primary_key=True)
    container_id: int = Field(foreign_key="container.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = _quantity()


class Shipment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    warehouse_id: int = Field(foreign_key="warehouse.id")
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    carrier: str = _text(60)
    tracking_number: str = _text(60, default="")
    state: str = _text(20, default="shipped")
    operator: str = _text(40)
    shipped_at: datetime = _timestamp()


class Invoice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    issued_on: date
    due_on: date
    subtotal: Decimal = _money()
    tax_total: Decimal = _money()
    freight: Decimal = _money(default=Decimal(0))
    total: Decimal = _money()
    state: str = _text(20, default="open")
    created_at: datetime = _timestamp()


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    quantity: Decimal = _quantity()
    unit_price: Decimal = _money()
    discount_percent: Decimal = _money(default=Decimal(0))
    tax_rate: Decimal = _money(default=Decimal(0))
    net: Decimal = _money()
    tax: Decimal = _money()


class Payment(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount: Decimal = _money()
    paid_on: date
    reference: str = _text(60, default="")
    state: str = _text(20, default="posted")
    created_at: datetime = _timestamp()


class SalesReturn(SQLModel, table=True):
    __tablename__ = "sales_return"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    operator: str = _text(40)
    created_at: datetime = _timestamp()


class SalesReturnLine(SQLModel, table=True):
    __tablename__ = "sales_return_line"
    id: int | None = Field(default=None, primary_key=True)
    return_id: int = Field(foreign_key="sales_return.id", index=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = _quantity()
    condition: str = _text(20)
    # pending (in Returns), restocking (put-back task open), restocked, scrapped
    disposition: str = _text(20, default="pending")
    task_id: int | None = Field(default=None, foreign_key="task.id")


class CreditNote(SQLModel, table=True):
    __tablename__ = "credit_note"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    return_id: int = Field(foreign_key="sales_return.id", unique=True)
    issued_on: date
    subtotal: Decimal = _money()
    tax_total: Decimal = _money()
    total: Decimal = _money()
    state: str = _text(20, default="open")
    created_at: datetime = _timestamp()

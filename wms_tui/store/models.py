"""The tables. Identical on SQLite and PostgreSQL; Alembic migrations are checked against them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from wms_tui.domain.items import Tracking
from wms_tui.domain.locations import LocationKind
from wms_tui.store.types import Money, Quantity, StrEnumType

# Balances key "no lot" / "no container" as 0 so the composite primary key stays NOT NULL
# (NULLs never collide in a unique key, which would split one balance into many rows).
NO_LOT = 0
NO_CONTAINER = 0


def _quantity(default: Decimal | None = None) -> Decimal:
    if default is None:
        return Field(sa_column=Column(Quantity(), nullable=False))
    return Field(default=default, sa_column=Column(Quantity(), nullable=False, server_default="0"))


def _money(default: Decimal | None = None) -> Decimal:
    if default is None:
        return Field(sa_column=Column(Money(), nullable=False))
    return Field(default=default, sa_column=Column(Money(), nullable=False, server_default="0"))


class Warehouse(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    receipt_steps: int = Field(default=1, ge=1, le=3)
    delivery_steps: int = Field(default=1, ge=1, le=3)


class Location(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(60), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    kind: LocationKind = Field(sa_column=Column(StrEnumType(LocationKind, 20), nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    warehouse_id: int | None = Field(default=None, foreign_key="warehouse.id", index=True)
    barcode: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    # Walking order along the pick path: pick tasks are sorted by it.
    pick_sequence: int = Field(default=0)
    active: bool = Field(default=True)


class Item(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    uom: str = Field(default="pc", sa_column=Column(String(10), nullable=False, server_default="pc"))
    tracking: Tracking = Field(default=Tracking.NONE, sa_column=Column(StrEnumType(Tracking, 10), nullable=False))
    expiry_tracked: bool = Field(default=False)
    is_stock: bool = Field(default=True)
    buy_to_order: bool = Field(default=False)
    standard_cost: Decimal = _money(default=Decimal(0))
    active: bool = Field(default=True)


class ItemBarcode(SQLModel, table=True):
    """A GTIN or other barcode of an item; a packaging barcode counts `quantity` units per scan."""

    __tablename__ = "item_barcode"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    barcode: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    packaging: str = Field(default="unit", sa_column=Column(String(40), nullable=False))
    quantity: Decimal = _quantity()


class Lot(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    code: str = Field(sa_column=Column(String(40), nullable=False))
    expiry_date: date | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Container(SQLModel, table=True):
    """A box, pallet or tote identified by an SSCC or LPN; may sit on a parent pallet."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    kind: str = Field(default="box", sa_column=Column(String(20), nullable=False))
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="container.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class StockMove(SQLModel, table=True):
    """One posted movement of a positive quantity. Never updated or deleted (triggers refuse it)."""

    __tablename__ = "stock_move"
    __table_args__ = (
        UniqueConstraint("terminal_id", "sequence", name="uq_stock_move_terminal_sequence"),
        Index("ix_stock_move_item", "item_id"),
        Index("ix_stock_move_document", "document_ref"),
        # A move is reversed at most once, enforced by the database even across terminals.
        UniqueConstraint("reverses_id", name="uq_stock_move_reverses"),
    )
    id: uuid.UUID = Field(primary_key=True)
    terminal_id: str = Field(sa_column=Column(String(40), nullable=False))
    sequence: int = Field(sa_column=Column(Integer, nullable=False))
    item_id: int = Field(sa_column=Column(Integer, ForeignKey("item.id"), nullable=False))
    from_location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    to_location_id: int = Field(sa_column=Column(Integer, ForeignKey("location.id"), nullable=False))
    lot_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("lot.id")))
    container_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("container.id")))
    quantity: Decimal = _quantity()
    unit_cost: Decimal = _money()
    operator: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    document_ref: str | None = Field(default=None, sa_column=Column(String(60)))
    document_line_id: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(String(40)))
    reverses_id: uuid.UUID | None = Field(default=None, foreign_key="stock_move.id")


class StockBalance(SQLModel, table=True):
    """Quantity and value per (item, location, lot, container), kept in the move's transaction."""

    __tablename__ = "stock_balance"
    # WITHOUT ROWID on SQLite: rows are stored in primary-key order, so an item's balances are
    # read as one contiguous range (on-hand and available are read on every scan).
    __table_args__ = (Index("ix_stock_balance_location", "location_id"), {"sqlite_with_rowid": False})
    item_id: int = Field(primary_key=True)
    location_id: int = Field(primary_key=True)
    lot_id: int = Field(default=NO_LOT, primary_key=True)
    container_id: int = Field(default=NO_CONTAINER, primary_key=True)
    quantity: Decimal = _quantity()
    value: Decimal = _money()


class TerminalSequence(SQLModel, table=True):
    """Last move sequence number per terminal; bumped in the posting transaction, so gap-free."""

    __tablename__ = "terminal_sequence"
    terminal_id: str = Field(sa_column=Column(String(40), primary_key=True))
    last_sequence: int = Field(default=0)


class Partner(SQLModel, table=True):
    """A customer or supplier."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(10), nullable=False))
    active: bool = Field(default=True)


class SalesOrder(SQLModel, table=True):
    __tablename__ = "sales_order"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    customer_id: int = Field(foreign_key="partner.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    state: str = Field(default="quote", sa_column=Column(String(20), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Overrides the customer's default back-order policy for this order when set.
    backorder_policy: str | None = Field(default=None, sa_column=Column(String(30)))
    freight: Decimal = _money(default=Decimal(0))
    confirmed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class SalesOrderLine(SQLModel, table=True):
    __tablename__ = "sales_order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sales_order.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: Decimal = _quantity()
    # Committed: promised from available stock; back ordered: promised but not yet coverable.
    committed_quantity: Decimal = _quantity(default=Decimal(0))
    backordered_quantity: Decimal = _quantity(default=Decimal(0))
    unit_price: Decimal = _money(default=Decimal(0))
    discount_percent: Decimal = _money(default=Decimal(0))
    tax_rate: Decimal = _money(default=Decimal(0))
    # quantity = committed + back ordered + cancelled + shipped, always.
    cancelled_quantity: Decimal = _quantity(default=Decimal(0))
    picked_quantity: Decimal = _quantity(default=Decimal(0))
    shipped_quantity: Decimal = _quantity(default=Decimal(0))


class Reservation(SQLModel, table=True):
    """Committed stock pinned to a concrete location (and lot) for an order line."""

    id: int | None = Field(default=None, primary_key=True)
    order_line_id: int = Field(foreign_key="sales_order_line.id", index=True)
    item_id: int = Field(foreign_key="item.id")
    location_id: int = Field(foreign_key="location.id")
    lot_id: int | None = Field(default=None, foreign_key="lot.id")
    quantity: Decimal = _quantity()


class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_order"
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    supplier_id: int = Field(foreign_key="partner.id")
    warehouse_id: int = Field(foreign_key="warehouse.id")
    state: str = Field(default="open", sa_column=Column(String(20), nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PurchaseOrderLine(SQLModel, table=True):
    __tablename__ = "purchase_order_line"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    quantity: Decimal = _quantity()
    received_quantity: Decimal = _quantity(default=Decimal(0))
    unit_price: Decimal = _money(default=Decimal(0))
    expected_date: date | None = None


import wms_tui.store.models_floor  # noqa: E402,F401
import wms_tui.store.models_inbound  # noqa: E402,F401
import wms_tui.store.models_outbound  # noqa: E402,F401

"""Catalog and locations: warehouses, the location tree, items, barcodes, lots, containers and the rules attached to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, DateTime, String, UniqueConstraint
from sqlmodel import Field

from wms_tui.domain.costing import CostingMethod
from wms_tui.domain.items import UNIT_PACKAGING, Tracking
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.states import ContainerKind, PutawayRuleKind, ReorderRuleKind
from wms_tui.store.models.base import TableModel
from wms_tui.store.models.fields import enum_field, money_field, quantity_field
from wms_tui.store.types import StrEnumType


class Warehouse(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(100), nullable=False))
    receipt_steps: int = Field(default=1, ge=1, le=3)
    delivery_steps: int = Field(default=1, ge=1, le=3)


class Location(TableModel, table=True):
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


class Item(TableModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    uom: str = Field(default="pc", sa_column=Column(String(10), nullable=False, server_default="pc"))
    tracking: Tracking = Field(default=Tracking.NONE, sa_column=Column(StrEnumType(Tracking, 10), nullable=False))
    expiry_tracked: bool = Field(default=False)
    is_stock: bool = Field(default=True)
    buy_to_order: bool = Field(default=False)
    standard_cost: Decimal = money_field(default=Decimal(0))
    costing_method: CostingMethod = enum_field(CostingMethod, 10, default=CostingMethod.STANDARD)
    active: bool = Field(default=True)


class ItemBarcode(TableModel, table=True):
    """A GTIN or other barcode of an item; a packaging barcode counts `quantity` units per scan."""

    __tablename__ = "item_barcode"
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    barcode: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    packaging: str = Field(default=UNIT_PACKAGING, sa_column=Column(String(40), nullable=False))
    quantity: Decimal = quantity_field()


class Lot(TableModel, table=True):
    __table_args__ = (UniqueConstraint("item_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id")
    code: str = Field(sa_column=Column(String(40), nullable=False))
    expiry_date: date | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Container(TableModel, table=True):
    """A box, pallet or tote identified by an SSCC or LPN; may sit on a parent pallet."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    kind: ContainerKind = Field(default=ContainerKind.BOX, sa_column=Column(StrEnumType(ContainerKind, 20), nullable=False))
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="container.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class BomLine(TableModel, table=True):
    """One component of a kit: `quantity` units per kit."""

    __tablename__ = "bom_line"
    __table_args__ = (UniqueConstraint("kit_item_id", "component_item_id"),)
    id: int | None = Field(default=None, primary_key=True)
    kit_item_id: int = Field(foreign_key="item.id", index=True)
    component_item_id: int = Field(foreign_key="item.id")
    quantity: Decimal = quantity_field()


class PutawayRule(TableModel, table=True):
    """Where an item belongs: its own bin (fixed_bin) or any bin under a zone."""

    __tablename__ = "putaway_rule"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    kind: PutawayRuleKind = Field(sa_column=Column(StrEnumType(PutawayRuleKind, 10), nullable=False))


class BinCapacity(TableModel, table=True):
    __tablename__ = "bin_capacity"
    location_id: int = Field(foreign_key="location.id", primary_key=True)
    max_quantity: Decimal = quantity_field()


class ReorderRule(TableModel, table=True):
    """Min/max for an item at a location: a purchase rule or a pick face refill (ReorderRuleKind)."""

    __tablename__ = "reorder_rule"
    __table_args__ = (UniqueConstraint("item_id", "location_id"),)
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    location_id: int = Field(foreign_key="location.id")
    kind: ReorderRuleKind = Field(sa_column=Column(StrEnumType(ReorderRuleKind, 10), nullable=False))
    min_quantity: Decimal = quantity_field()
    max_quantity: Decimal = quantity_field()
    supplier_id: int | None = Field(default=None, foreign_key="partner.id")


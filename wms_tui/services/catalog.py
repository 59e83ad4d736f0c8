"""Master data: warehouses with their location tree, bins, items, barcodes, lots, containers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from wms_tui.domain import quantities, text
from wms_tui.domain.costing import CostingMethod
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.items import UNIT_PACKAGING, Tracking, item_barcode
from wms_tui.domain.locations import (
    PRICE_VARIANCE_CODE,
    LocationKind,
    location_barcode,
    location_code,
)
from wms_tui.domain.states import ContainerKind
from wms_tui.store import finders
from wms_tui.store.models import Container, Item, ItemBarcode, Location, Lot, Warehouse

# Partner and virtual locations shared by all warehouses (transit is per warehouse).
SHARED_LOCATIONS = {
    "SUPPLIERS": ("Suppliers", LocationKind.SUPPLIER),
    "CUSTOMERS": ("Customers", LocationKind.CUSTOMER),
    "INVENTORY-LOSS": ("Inventory Loss", LocationKind.INVENTORY_LOSS),
    "SCRAP": ("Scrapped", LocationKind.SCRAP),
    "PRODUCTION": ("Manufacturing", LocationKind.PRODUCTION),
    "OPENING": ("Initial Inventory", LocationKind.OPENING),
    PRICE_VARIANCE_CODE: ("Price Variance", LocationKind.PRICE_VARIANCE),
}
ZONES = ("INPUT", "QC", "STOCK", "PACK", "OUTPUT")


@dataclass(frozen=True)
class WarehouseLocations:
    warehouse: Warehouse
    view: Location
    zones: dict[str, Location]
    transit: Location


def _add_location(
    session: Session,
    code: str,
    name: str,
    kind: LocationKind,
    parent: Location | None = None,
    warehouse_id: int | None = None,
    pick_sequence: int = 0,
) -> Location:
    location = Location(
        code=code,
        name=name,
        kind=kind,
        parent_id=parent.id if parent else None,
        warehouse_id=warehouse_id,
        barcode=location_barcode(code),
        pick_sequence=pick_sequence,
    )
    session.add(location)
    session.flush()
    return location


def shared_location(session: Session, code: str) -> Location:
    """A partner/virtual location, created on first use."""
    location = finders.find_location(session, code)
    if location is None:
        name, kind = SHARED_LOCATIONS[code]
        location = _add_location(session, code, name, kind)
    return location


def create_warehouse(
    session: Session, code: str, name: str, *, receipt_steps: int = 1, delivery_steps: int = 1
) -> WarehouseLocations:
    """A warehouse with its view location, its zones and its incoming transit location."""
    code = location_code(code, "warehouse code", text.WAREHOUSE_CODE_LENGTH)
    name = text.field(name, "warehouse name", text.WAREHOUSE_NAME_LENGTH)
    for steps, what in ((receipt_steps, "receipt"), (delivery_steps, "delivery")):
        if steps not in (1, 2, 3):
            raise InvalidInput(f"{what} steps must be 1, 2 or 3, got {steps}")
    if finders.find_warehouse(session, code):
        raise InvalidInput(f"warehouse {code} already exists")
    warehouse = Warehouse(code=code, name=name, receipt_steps=receipt_steps, delivery_steps=delivery_steps)
    session.add(warehouse)
    session.flush()
    view = _add_location(session, code, name, LocationKind.VIEW, warehouse_id=warehouse.id)
    zones = {
        zone: _add_location(session, f"{code}/{zone}", zone.title(), LocationKind.INTERNAL, view, warehouse.id)
        for zone in ZONES
    }
    transit = _add_location(session, f"{code}/TRANSIT", f"Transit to {name}", LocationKind.TRANSIT, view, warehouse.id)
    for shared in SHARED_LOCATIONS:
        shared_location(session, shared)
    return WarehouseLocations(warehouse, view, zones, transit)


def bin_code(parent_code: str, code: str) -> str:
    """The full code of bin `code` under `parent_code`, checked (alphabet, length)."""
    return f"{parent_code}/{location_code(code, 'bin code', text.LOCATION_CODE_LENGTH - len(parent_code) - 1)}"


def add_bin(session: Session, parent: Location, code: str, *, pick_sequence: int = 0, name: str | None = None) -> Location:
    """A bin (or aisle) under a zone; its full code is PARENT/CODE."""
    if parent.kind not in (LocationKind.INTERNAL, LocationKind.VIEW):
        raise InvalidInput(f"bins go under a warehouse zone, not under {parent.code} ({parent.kind})")
    full_code = bin_code(parent.code, code)
    name = text.field(name or code, "bin name", text.LOCATION_NAME_LENGTH)
    if finders.find_location(session, full_code):
        raise InvalidInput(f"location {full_code} already exists")
    return _add_location(
        session, full_code, name, LocationKind.INTERNAL, parent, parent.warehouse_id, pick_sequence
    )


def create_item(session: Session, sku: str, name: str, **details) -> Item:
    """A new item; `details` as new_item takes them."""
    item = new_item(sku, name, **details)
    if finders.find_item_by_sku(session, item.sku):
        raise InvalidInput(f"item {item.sku} already exists")
    session.add(item)
    session.flush()
    return item


def new_item(
    sku: str,
    name: str,
    *,
    uom: str = "pc",
    tracking: Tracking | str = Tracking.NONE,
    expiry_tracked: bool = False,
    is_stock: bool = True,
    buy_to_order: bool = False,
    standard_cost: object = "0",
    costing_method: CostingMethod | str = CostingMethod.STANDARD,
) -> Item:
    """An item checked field by field, not stored (an import checks its rows before writing)."""
    sku = text.field(sku, "SKU", text.SKU_LENGTH)
    name = text.field(name, f"item {sku}: name", text.ITEM_NAME_LENGTH)
    uom = text.field(uom, f"item {sku}: unit of measure", text.UOM_LENGTH)
    try:
        tracking = Tracking(tracking)
    except ValueError:
        raise InvalidInput(f"tracking must be one of {', '.join(t.value for t in Tracking)}, got {tracking!r}") from None
    try:
        costing_method = CostingMethod(costing_method)
    except ValueError:
        raise InvalidInput(
            f"costing method must be one of {', '.join(m.value for m in CostingMethod)}, got {costing_method!r}"
        ) from None
    if expiry_tracked and tracking is Tracking.NONE:
        raise InvalidInput(f"item {sku}: expiry tracking needs lot or serial tracking")
    return Item(
        sku=sku,
        name=name,
        uom=uom,
        tracking=tracking,
        expiry_tracked=expiry_tracked,
        is_stock=is_stock,
        buy_to_order=buy_to_order,
        standard_cost=quantities.unit_cost(standard_cost),
        costing_method=costing_method,
    )


def add_barcode(session: Session, item: Item, barcode: str, *, packaging: str = UNIT_PACKAGING, quantity: object = "1") -> ItemBarcode:
    """A GTIN or other barcode; scanning a packaging barcode counts its quantity (a case of 12)."""
    barcode = item_barcode(barcode)
    existing = session.exec(select(ItemBarcode).where(ItemBarcode.barcode == barcode)).first()
    if existing:
        raise InvalidInput(f"barcode {barcode} already belongs to item id {existing.item_id}")
    entry = ItemBarcode(item_id=item.id, barcode=barcode, packaging=packaging, quantity=quantities.move_quantity(quantity))
    session.add(entry)
    session.flush()
    return entry


def lot_code(item: Item, code: str, expiry_date: date | None, existing: Lot | None) -> str:
    """Lot `code` of `item` checked against the item and the lot already stored (if any)."""
    code = text.field(code, f"item {item.sku}: lot code", text.LOT_CODE_LENGTH)
    if item.tracking is Tracking.NONE:
        raise InvalidInput(f"item {item.sku} is not lot-tracked")
    if existing is not None:
        if expiry_date is not None and existing.expiry_date not in (None, expiry_date):
            raise InvalidInput(
                f"lot {code} of {item.sku} already has expiry {existing.expiry_date}, not {expiry_date}"
            )
    elif item.expiry_tracked and expiry_date is None:
        raise InvalidInput(f"item {item.sku} tracks expiry: lot {code} needs an expiry date")
    return code


def get_or_create_lot(session: Session, item: Item, code: str, expiry_date: date | None = None) -> Lot:
    lot = finders.find_lot(session, item, code.strip())
    code = lot_code(item, code, expiry_date, lot)
    if lot is not None:
        return lot
    lot = Lot(item_id=item.id, code=code, expiry_date=expiry_date, created_at=datetime.now(UTC))
    session.add(lot)
    session.flush()
    return lot


def create_container(session: Session, code: str, *, kind: ContainerKind = ContainerKind.BOX, location: Location | None = None, parent: Container | None = None) -> Container:
    code = text.field(code, "container code (SSCC or LPN)", text.CONTAINER_CODE_LENGTH)
    if finders.find_container(session, code):
        raise InvalidInput(f"container {code} already exists")
    container = Container(
        code=code,
        kind=kind,
        location_id=location.id if location else None,
        parent_id=parent.id if parent else None,
        created_at=datetime.now(UTC),
    )
    session.add(container)
    session.flush()
    return container


"""What the outbound services share: a warehouse's zones, order headers and lines, lots checked against a scan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.availability import RETURNS_ZONE
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.items import Tracking
from wms_tui.domain.locations import LocationKind, location_barcode
from wms_tui.domain.outbound import BackorderPolicy, DeliveryRoute, backorder_policy
from wms_tui.services import catalog
from wms_tui.store import finders
from wms_tui.store.finders import ScannedItem
from wms_tui.store.models import (
    CustomerProfile,
    Item,
    Location,
    Lot,
    SalesOrder,
    SalesOrderLine,
    Warehouse,
)


@dataclass(frozen=True)
class Zones:
    """Where outbound goods are in one warehouse."""

    warehouse: Warehouse
    route: DeliveryRoute
    stock: Location
    pack: Location
    output: Location
    customers: Location

    @property
    def pick_to(self) -> Location:
        return {None: self.customers, "OUTPUT": self.output, "PACK": self.pack}[self.route.pick_to]

    @property
    def packed_at(self) -> Location:
        """Where packed containers wait for the carrier."""
        return self.output


def warehouse_zones(session: Session, warehouse_id: int) -> Zones:
    warehouse = session.get(Warehouse, warehouse_id)
    if warehouse is None:
        raise NotFound(f"no warehouse id {warehouse_id}")
    codes = {f"{warehouse.code}/{zone}": zone for zone in ("STOCK", "PACK", "OUTPUT")}
    found = {codes[code]: location for code, location in finders.find_locations(session, codes).items()}
    missing = sorted(set(codes.values()) - set(found))
    if missing:
        raise NotFound(f"warehouse {warehouse.code} has no {', '.join(missing)} zone")
    return Zones(
        warehouse,
        DeliveryRoute(warehouse.delivery_steps),
        found["STOCK"],
        found["PACK"],
        found["OUTPUT"],
        catalog.shared_location(session, "CUSTOMERS"),
    )


def pickable(warehouse_code: str):
    """SQL condition: the location is the warehouse's Stock zone or a bin below it."""
    stock = f"{warehouse_code}/STOCK"
    return or_(Location.code == stock, Location.code.startswith(f"{stock}/", autoescape=True))


def returns_location(session: Session, warehouse: Warehouse) -> Location:
    """The warehouse's Returns location (internal, under its view), created on first use."""
    code = f"{warehouse.code}/{RETURNS_ZONE}"
    location = finders.find_location(session, code)
    if location is None:
        view = finders.location_by_code(session, warehouse.code)
        location = Location(
            code=code,
            name="Returns",
            kind=LocationKind.INTERNAL,
            parent_id=view.id,
            warehouse_id=warehouse.id,
            barcode=location_barcode(code),
        )
        session.add(location)
        session.flush()
    return location


# What bulk services (confirming or allocating a morning's orders) read of an order.
ORDER_HEADER = (
    SalesOrder.id,
    SalesOrder.number,
    SalesOrder.state,
    SalesOrder.customer_id,
    SalesOrder.warehouse_id,
    SalesOrder.backorder_policy,
    SalesOrder.created_at,
)
HEADER_CHUNK = 5000


def order_headers(session: Session, numbers: Sequence[str]) -> list:
    """ORDER_HEADER rows of these orders, oldest first; NotFound names any number that is missing."""
    wanted = list(dict.fromkeys(finders.normal_code(number) for number in numbers))
    found = []
    for start in range(0, len(wanted), HEADER_CHUNK):
        found += session.execute(select(*ORDER_HEADER).where(SalesOrder.number.in_(wanted[start : start + HEADER_CHUNK]))).all()
    missing = sorted(set(wanted) - {order.number for order in found})
    if missing:
        raise NotFound(f"no sales order {', '.join(missing)}")
    return sorted(found, key=lambda order: (order.created_at, order.id))


def order_lines(session: Session, order_id: int) -> list[SalesOrderLine]:
    return list(session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order_id).order_by(SalesOrderLine.id)))


def order_policy(session: Session, order: SalesOrder) -> BackorderPolicy:
    if order.backorder_policy:
        return backorder_policy(order.backorder_policy)
    profile = session.get(CustomerProfile, order.customer_id)
    return backorder_policy(profile.backorder_policy) if profile else BackorderPolicy.BACKORDER_REST


def scanned_units(scan: ScannedItem, packages: object | None) -> Decimal:
    """Units for `packages` scans of a barcode (one by default): 2 cases of 12 are 24 units."""
    count = Decimal(1) if packages is None else quantities.move_quantity(packages)
    return quantities.move_quantity(count * scan.units_per_scan)


def resolve_lot(session: Session, item: Item, lot_code: str | None, expiry: date | None = None) -> Lot | None:
    """The lot a picker scanned, checked against the item; None for untracked items."""
    if item.tracking is Tracking.NONE or item.tracking == Tracking.NONE.value:
        if lot_code:
            raise InvalidInput(f"item {item.sku} is not lot-tracked: no lot to scan")
        return None
    if not lot_code or not lot_code.strip():
        raise InvalidInput(f"item {item.sku} is tracked by lot: scan the lot")
    lot = finders.lot_by_code(session, item, lot_code)
    if expiry is not None and lot.expiry_date is not None and expiry != lot.expiry_date:
        raise InvalidInput(f"lot {lot.code} of {item.sku} expires {lot.expiry_date}, the label says {expiry}")
    return lot


def is_expired(lot: Lot | None, today: date) -> bool:
    return lot is not None and lot.expiry_date is not None and lot.expiry_date < today

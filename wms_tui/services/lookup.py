"""What is this barcode? Resolve a scanned or typed code to an item, location, lot or container,
with the stock that goes with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from drivers.scan import ScanKind, interpret, split_symbology
from wms_tui.domain import availability
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.quantities import ZERO, display
from wms_tui.services.outbound.common import order_lines
from wms_tui.services.outbound.order_containers import ToteContents, tote_contents
from wms_tui.services.outbound.orders import order_status
from wms_tui.store import finders, queries
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrderLine,
    SalesOrder,
    ShippingContainer,
    StockBalance,
)
from wms_tui.store.session import reading


@dataclass(frozen=True)
class StockLine:
    place: str  # location code (for items/lots) or item SKU (for locations)
    lot: str | None
    expiry: date | None
    on_hand: Decimal
    available: Decimal


class Found(StrEnum):
    ITEM = "item"
    LOCATION = "location"
    LOT = "lot"
    CONTAINER = "container"
    TOTE = "tote"
    ORDER = "order"
    PURCHASE_ORDER = "purchase order"


# What a look-up lists stock lines for (none listed: there is no stock).
STOCK_HOLDERS = frozenset({Found.ITEM, Found.LOCATION, Found.LOT})
# Look-ups whose lines are items (SKUs); the others' lines are places.
ITEM_LINES = frozenset({Found.LOCATION, Found.CONTAINER, Found.TOTE})


@dataclass(frozen=True)
class LookupResult:
    kind: Found
    code: str
    title: str
    details: list[str] = field(default_factory=list)
    lines: list[StockLine] = field(default_factory=list)


def _item_result(session: Session, scanned: finders.ScannedItem, warehouse_code: str | None) -> LookupResult:
    conn = session.connection()
    item = scanned.item
    details = [f"SKU {item.sku} · {item.uom} · tracking {item.tracking.value}"]
    if scanned.units_per_scan != 1:
        details.append(f"{scanned.packaging} barcode: one scan counts {display(scanned.units_per_scan)}")
    warehouse = finders.find_warehouse(session, warehouse_code) if warehouse_code else None
    if warehouse is not None:
        totals = queries.warehouse_quantities(conn, item.id, warehouse.id)
        details.append(
            f"{warehouse.code}: on hand {display(totals.on_hand)} · committed {display(totals.committed)}"
            f" · available {display(totals.available)}"
        )
        details.append(
            f"back ordered {display(totals.back_ordered)} · on order {display(totals.on_order)}"
            f" · in transit {display(totals.in_transit)}"
        )
    lines = [
        StockLine(row.location_code, row.lot_code, row.expiry, row.on_hand, row.available)
        for row in queries.stock_by_location(conn, item.id)
    ]
    return LookupResult(Found.ITEM, item.sku, item.name, details, lines)


def _location_result(session: Session, location: Location) -> LookupResult:
    rows = session.exec(
        select(Item.id, Item.sku, Lot.code, Lot.expiry_date, func.sum(StockBalance.quantity))
        .join(Item, Item.id == StockBalance.item_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.location_id == location.id)
        .group_by(Item.id, Item.sku, Lot.code, Lot.expiry_date)
        .having(func.sum(StockBalance.quantity) != 0)
        .order_by(Item.sku, Lot.expiry_date)
    ).all()
    conn = session.connection()
    sellable = availability.is_sellable(location.kind, location.code)
    today = date.today()
    lines = [
        StockLine(sku, lot_code, expiry, Decimal(on_hand),
                  max(Decimal(on_hand) - queries.committed_at(conn, item_id, location.id), ZERO)
                  if sellable and not availability.is_expired(expiry, today) else ZERO)
        for item_id, sku, lot_code, expiry, on_hand in rows
    ]
    return LookupResult(Found.LOCATION, location.code, location.name, [f"{location.kind.value} location · barcode {location.barcode}"], lines)


def _lot_results(session: Session, code: str) -> list[LookupResult]:
    results = []
    for lot, item in finders.lots_with_code(session, code):
        lines = [
            StockLine(row.location_code, row.lot_code, row.expiry, row.on_hand, row.available)
            for row in queries.stock_by_location(session.connection(), item.id)
            if row.lot_code == lot.code
        ]
        expiry = f"expires {lot.expiry_date}" if lot.expiry_date else "no expiry"
        results.append(LookupResult(Found.LOT, lot.code, f"Lot {lot.code} of {item.sku} {item.name}", [expiry], lines))
    return results


def lookup(session: Session, scanned: str, *, warehouse_code: str | None = None) -> LookupResult:
    """Find what a code is: item (SKU or barcode), location (barcode with check digits, or its
    code), container (SSCC/LPN) or lot. Raises NotFound naming the code."""
    code = scanned.strip()
    if not code:
        raise InvalidInput("nothing was scanned")
    scanned = finders.find_item(session, code)
    if scanned:
        return _item_result(session, scanned, warehouse_code)
    location = finders.find_location(session, code)
    if location:
        return _location_result(session, location)
    container = finders.find_container(session, code)
    if container:
        return _container_result(session, container)
    tote = tote_contents(session, code.upper())
    if tote:
        return _tote_result(tote)
    lots = _lot_results(session, code)
    if lots:
        return lots[0]
    document = _document_result(session, code)
    if document:
        return document
    raise NotFound(f"{code!r} is not a known item, location, container, lot or order")


def _tote_result(tote: ToteContents) -> LookupResult:
    if tote.order is None:
        return LookupResult(Found.TOTE, tote.code, f"Tote {tote.code}: empty",
                            [f"last used for {tote.last_order}: all of it is packed"])
    lines = [StockLine(sku, None, None, units, ZERO) for sku, units in tote.lines]
    return LookupResult(Found.TOTE, tote.code, f"Tote {tote.code} of order {tote.order}",
                        [f"picked, to pack · at {tote.at}"], lines)


def _container_result(session: Session, container: Container) -> LookupResult:
    where = session.get(Location, container.location_id) if container.location_id else None
    details = [f"at {where.code if where else 'no location'}"]
    # Stock standing on it (a received pallet or licence plate), wherever that is.
    held = session.exec(
        select(Item.sku, Lot.code, Lot.expiry_date, Location.code, func.sum(StockBalance.quantity))
        .join(Item, Item.id == StockBalance.item_id).join(Location, Location.id == StockBalance.location_id)
        .outerjoin(Lot, Lot.id == StockBalance.lot_id)
        .where(StockBalance.container_id == container.id, Location.kind == LocationKind.INTERNAL)
        .group_by(Item.sku, Lot.code, Lot.expiry_date, Location.code)
        .having(func.sum(StockBalance.quantity) != 0)
        .order_by(Item.sku)
    ).all()
    if held:
        places = sorted({place for *_rest, place, _qty in held})
        details[0] = f"at {', '.join(places)}"
        lines = [StockLine(sku, lot, expiry, Decimal(qty), Decimal(qty)) for sku, lot, expiry, _place, qty in held]
        return LookupResult(Found.CONTAINER, container.code, f"{container.kind.title()} {container.code}", details, lines)
    # A balance row stays (at zero) where stock once stood on it: it was emptied.
    if session.exec(select(StockBalance.item_id).where(StockBalance.container_id == container.id).limit(1)).first() is not None:
        details.append("empty: everything on it has been moved off")
    packing = session.get(ShippingContainer, container.id)
    if packing is not None:
        order = session.get(SalesOrder, packing.order_id) if packing.order_id else None
        weight = f" · {display(packing.weight_kg)} kg" if packing.weight_kg is not None else ""
        details.append(f"{packing.state}{weight}" + (f" · order {order.number}" if order else ""))
    rows = session.exec(
        select(Item.sku, Lot.code, Lot.expiry_date, func.sum(ContainerLine.quantity))
        .join(Item, Item.id == ContainerLine.item_id)
        .outerjoin(Lot, Lot.id == ContainerLine.lot_id)
        .where(ContainerLine.container_id == container.id)
        .group_by(Item.sku, Lot.code, Lot.expiry_date)
        .order_by(Item.sku)
    ).all()
    lines = [StockLine(sku, lot, expiry, Decimal(qty), Decimal(0)) for sku, lot, expiry, qty in rows]
    return LookupResult(Found.CONTAINER, container.code, f"{container.kind.title()} {container.code}", details, lines)


def _document_result(session: Session, number: str) -> LookupResult | None:
    order = finders.find_sales_order(session, number)
    if order is not None:
        customer = session.get(Partner, order.customer_id)
        lines = order_lines(session, order.id)
        ordered = sum((line.quantity for line in lines), Decimal(0))
        picked = sum((line.picked_quantity for line in lines), Decimal(0))
        shipped = sum((line.shipped_quantity for line in lines), Decimal(0))
        return LookupResult(Found.ORDER, order.number, f"Order for {customer.name}", [
            f"status {order_status(session, order.number).value}",
            f"{len(lines)} lines · ordered {display(ordered)}",
            f"picked {display(picked)} · shipped {display(shipped)}",
        ])
    purchase = finders.find_purchase_order(session, number)
    if purchase is not None:
        supplier = session.get(Partner, purchase.supplier_id)
        lines = session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == purchase.id)).all()
        return LookupResult(Found.PURCHASE_ORDER, purchase.number, f"PO from {supplier.name}",
                            [f"{purchase.state} · {len(lines)} lines"])
    return None



def lookup_code(engine: Engine, scanned: str, *, warehouse_code: str | None = None) -> LookupResult:
    """Interpret a raw scan and look it up in its own read-only session: for callers at the
    edge (UI, CLI)."""
    with reading(engine) as session:
        return lookup_scan(session, scanned, warehouse_code=warehouse_code)


def lookup_scan(session: Session, scanned: str, *, warehouse_code: str | None = None) -> LookupResult:
    """Interpret a raw scan (AIM prefix, GS1 element strings, check digits), then look it up."""
    symbology, text = split_symbology(scanned.strip())
    meaning = interpret(text, symbology)
    if meaning.kind is ScanKind.INVALID:
        raise InvalidInput(f"{scanned.strip()!r}: {meaning.reason}")
    if meaning.sscc:
        return lookup(session, meaning.sscc, warehouse_code=warehouse_code)
    if meaning.gtin:
        scanned_item = finders.find_item(session, meaning.gtin)
        if scanned_item is None:
            raise NotFound(f"GTIN {meaning.gtin} is not the barcode of any item")
        return _item_result(session, scanned_item, warehouse_code)
    return lookup(session, text, warehouse_code=warehouse_code)

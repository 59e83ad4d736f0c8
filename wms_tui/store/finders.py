"""Finders: the one place a typed code or a scan becomes a row.

Convention: `find_x` returns the row or None; `x_by_code` (or `_by_number`, `_by_scan`) returns
it or raises NotFound naming the code. Codes of warehouses, locations, operators and documents
(sales and purchase orders) are case-insensitive: they are stored and looked up as
`normal_code` gives them. SKUs, barcodes, lot and container codes match exactly (after trimming),
as printed on the label.

Items and containers also accept a scan as the scanner sends it (AIM prefix, GS1 element
string); items are found by any GTIN form (GTIN-8/12/13/14), a packaging barcode (a case counts
its units) or a typed SKU. The item and zone statements are built once: they run on every
receiving, pick and pack scan, and building them costs more than the indexed read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam
from sqlmodel import Session, select

from wms_tui.domain.auth import BADGE_KEY, badge_digest
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.items import UNIT_PACKAGING, gtin_variants
from wms_tui.domain.locations import CHECK_SEPARATOR, code_from_barcode
from wms_tui.domain.states import PartnerKind
from wms_tui.store.models import (
    Container,
    CountSession,
    CustomerProfile,
    Item,
    ItemBarcode,
    Location,
    Lot,
    Operator,
    Partner,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    SiteSecret,
    SyncState,
    Warehouse,
)


def normal_code(code: str) -> str:
    """How a warehouse, location, operator or document code is stored and compared."""
    return code.strip().upper()


@dataclass(frozen=True)
class ScannedItem:
    item: Item
    units_per_scan: Decimal  # a case barcode of 12 counts 12
    packaging: str


# The item as a row object, of its barcode only the two columns a scan needs: every scan reads it.
_ITEM_BY_BARCODE = (
    select(Item, ItemBarcode.quantity, ItemBarcode.packaging)
    .join(ItemBarcode, ItemBarcode.item_id == Item.id)
    .where(ItemBarcode.barcode.in_(bindparam("barcodes", expanding=True)))
)


def _by_barcode(session: Session, code: str) -> ScannedItem | None:
    found = session.exec(_ITEM_BY_BARCODE, params={"barcodes": gtin_variants(code)}).first()
    if found is None:
        return None
    item, units_per_scan, packaging = found
    return ScannedItem(item, units_per_scan, packaging)


def _scanned_gs1(text: str):
    """The GS1 meaning of a raw scan (AIM prefix, element strings), or None for plain text."""
    # Imported here: the GS1 parser (biip) is a tenth of a second to load, and programs that
    # never read a scan (the console) use these finders too.
    from drivers.scan import interpret, split_symbology

    symbology, data = split_symbology(text)
    meaning = interpret(data, symbology)
    return None if meaning.reason else meaning


def find_item(session: Session, scanned: str) -> ScannedItem | None:
    """The item behind a GTIN in any of its forms, a packaging barcode, a typed SKU or a GS1
    element string with AI 01; None when nothing matches."""
    code = scanned.strip()
    if not code:
        return None
    found = _by_barcode(session, code)
    if found is None:
        item = find_item_by_sku(session, code)
        found = ScannedItem(item, Decimal(1), UNIT_PACKAGING) if item is not None else None
    if found is None:
        meaning = _scanned_gs1(code)
        if meaning is not None and meaning.gtin and meaning.gtin != code:
            found = _by_barcode(session, meaning.gtin)
    return found


def item_by_scan(session: Session, scanned: str) -> ScannedItem:
    code = scanned.strip()
    if not code:
        raise InvalidInput("scan the item's barcode")
    found = find_item(session, code)
    if found is None:
        raise NotFound(f"not a known item: check the label or add the barcode to the item ({code!r})")
    return found


def unit_barcodes(session: Session, item_ids: Iterable[int]) -> dict[int, str]:
    """The first unit barcode (the GTIN printed for one unit) of each item that has one."""
    found: dict[int, str] = {}
    for item_id, barcode in session.execute(
        select(ItemBarcode.item_id, ItemBarcode.barcode)
        .where(ItemBarcode.item_id.in_(list(item_ids)), ItemBarcode.packaging == UNIT_PACKAGING)
        .order_by(ItemBarcode.id)
    ):
        found.setdefault(item_id, barcode)
    return found


def _exact_or_upper(session: Session, query, column, code: str):
    """A code as typed, else in capitals: people type sku-1 for SKU-1, a scanner never does."""
    text = code.strip()
    found = session.exec(query.where(column == text)).first()
    if found is None and text.upper() != text:
        found = session.exec(query.where(column == text.upper())).first()
    return found


def find_item_by_sku(session: Session, sku: str) -> Item | None:
    return _exact_or_upper(session, select(Item), Item.sku, sku)


def item_by_sku(session: Session, sku: str) -> Item:
    item = find_item_by_sku(session, sku)
    if item is None:
        raise NotFound(f"no item with SKU {sku!r}")
    return item


def _location(session: Session, code: str) -> Location | None:
    return session.exec(select(Location).where(Location.code == normal_code(code))).first()


def find_location(session: Session, scanned: str) -> Location | None:
    """A location by its code or its scanned barcode (CODE.NN). The barcode of a known location
    with wrong check digits raises InvalidInput (rescan the label) rather than finding nothing."""
    text = scanned.strip()
    code, separator, check = text.rpartition(CHECK_SEPARATOR)
    if separator and len(check) == 2 and check.isdigit():
        location = _location(session, code)
        if location is not None:
            code_from_barcode(text)
            return location
    return _location(session, text)


_LOCATIONS_BY_CODE = select(Location).where(Location.code.in_(bindparam("codes", expanding=True)))


def find_locations(session: Session, codes: Iterable[str]) -> dict[str, Location]:
    """Several locations by code in one read (a scan that needs its zones), keyed by normal code;
    the missing ones are left out."""
    wanted = [normal_code(code) for code in codes]
    return {location.code: location for location in session.exec(_LOCATIONS_BY_CODE, params={"codes": wanted})}


def location_by_code(session: Session, scanned: str) -> Location:
    location = find_location(session, scanned)
    if location is None:
        raise NotFound(f"no location {scanned.strip()!r}")
    return location


def find_lot(session: Session, item: Item, code: str) -> Lot | None:
    return _exact_or_upper(session, select(Lot).where(Lot.item_id == item.id), Lot.code, code)


def lot_by_code(session: Session, item: Item, code: str) -> Lot:
    lot = find_lot(session, item, code)
    if lot is None:
        raise NotFound(f"item {item.sku} has no lot {code.strip()!r}")
    return lot


def lots_with_code(session: Session, code: str) -> list[tuple[Lot, Item]]:
    """Every item's lot of that code (lot codes are only unique per item)."""
    return list(session.exec(select(Lot, Item).join(Item, Item.id == Lot.item_id).where(Lot.code == code.strip()).order_by(Lot.id)).all())


def find_container(session: Session, scanned: str) -> Container | None:
    """A container by its code (SSCC or LPN), also when scanned as a GS1 element string (AI 00)."""
    code = scanned.strip()
    if not code:
        return None
    container = _exact_or_upper(session, select(Container), Container.code, code)
    if container is None:
        meaning = _scanned_gs1(code)
        if meaning is not None and meaning.sscc and meaning.sscc != code:
            container = session.exec(select(Container).where(Container.code == meaning.sscc)).first()
    return container


def container_by_code(session: Session, scanned: str) -> Container:
    container = find_container(session, scanned)
    if container is None:
        raise NotFound(f"no container {scanned.strip()!r}")
    return container


def find_warehouse(session: Session, code: str) -> Warehouse | None:
    return session.exec(select(Warehouse).where(Warehouse.code == normal_code(code))).first()


def warehouse_by_code(session: Session, code: str) -> Warehouse:
    warehouse = find_warehouse(session, code)
    if warehouse is None:
        raise NotFound(f"no warehouse {code!r}")
    return warehouse


def find_sales_order(session: Session, number: str) -> SalesOrder | None:
    return session.exec(select(SalesOrder).where(SalesOrder.number == normal_code(number))).first()


def sales_order_by_number(session: Session, number: str) -> SalesOrder:
    order = find_sales_order(session, number)
    if order is None:
        raise NotFound(f"no sales order {number!r}")
    return order


def find_purchase_order(session: Session, number: str) -> PurchaseOrder | None:
    return session.exec(select(PurchaseOrder).where(PurchaseOrder.number == normal_code(number))).first()


def purchase_order_by_number(session: Session, number: str) -> PurchaseOrder:
    order = find_purchase_order(session, number)
    if order is None:
        raise NotFound(f"no purchase order {number!r}")
    return order


def find_count_session(session: Session, number: str) -> CountSession | None:
    return session.exec(select(CountSession).where(CountSession.number == normal_code(number))).first()


def count_session_by_number(session: Session, number: str) -> CountSession:
    count = find_count_session(session, number)
    if count is None:
        raise NotFound(f"no count {number!r}")
    return count


def find_receipt(session: Session, number: str) -> Receipt | None:
    return session.exec(select(Receipt).where(Receipt.number == normal_code(number))).first()


def own_terminal(session: Session) -> str | None:
    """The terminal this database belongs to when it syncs with central (its sync_state row);
    None on the central database and on a terminal working alone."""
    return session.exec(select(SyncState.terminal_id)).first()


def find_operator(session: Session, code: str) -> Operator | None:
    return session.get(Operator, normal_code(code))


def operator_by_code(session: Session, code: str) -> Operator:
    operator = find_operator(session, code)
    if operator is None:
        raise NotFound(f"no operator {code!r}")
    return operator


def badge_hash(session: Session, badge: str) -> str:
    """The badge as stored (keyed hash under the site key): badges are never kept in clear."""
    key = session.get(SiteSecret, BADGE_KEY)
    if key is None:
        raise NotFound("no badge key in this database: run `wms-tui db upgrade`")
    return badge_digest(key.value, badge)


def find_operator_by_badge_hash(session: Session, digest: str) -> Operator | None:
    return session.exec(select(Operator).where(Operator.badge_hash == digest)).first()


def find_operator_by_badge(session: Session, badge: str) -> Operator | None:
    return find_operator_by_badge_hash(session, badge_hash(session, badge))


def find_partner(session: Session, code: str) -> Partner | None:
    """A customer or supplier: partner codes are unique across both."""
    return _exact_or_upper(session, select(Partner), Partner.code, code)


def find_supplier(session: Session, code: str) -> Partner | None:
    return _exact_or_upper(session, select(Partner).where(Partner.kind == PartnerKind.SUPPLIER), Partner.code, code)


def supplier_by_code(session: Session, code: str) -> Partner:
    supplier = find_supplier(session, code)
    if supplier is None:
        raise NotFound(f"no supplier {code!r}")
    return supplier


def customer_by_code(session: Session, code: str) -> Partner:
    """A partner with a customer profile (whatever its kind says)."""
    customer = session.exec(
        select(Partner).join(CustomerProfile, CustomerProfile.partner_id == Partner.id).where(Partner.code == code.strip())
    ).first()
    if customer is None:
        raise NotFound(f"no customer {code!r}")
    return customer

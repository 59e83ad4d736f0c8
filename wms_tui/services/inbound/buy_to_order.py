"""Buy-to-order: purchase what a sales order needs, and pin non-stock receipts to that order.

Non-stock buy-to-order receipts are reserved for the order line they were bought for (a core
Reservation, which the outbound allocator skips), so no other order can take them. Stock
buy-to-order receipts go to unallocated stock and are consumed FIFO like any other stock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import PurchaseState
from wms_tui.domain.outbound import OrderState
from wms_tui.services.inbound.purchasing import (
    PurchaseLineInput,
    PurchaseOrderView,
    create_purchase_order,
)
from wms_tui.store import finders
from wms_tui.store.models import (
    BuyToOrderAllocation,
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SupplierItem,
    Warehouse,
)


@dataclass(frozen=True)
class Requirement:
    order_line_id: int
    sku: str
    quantity: Decimal
    supplier_code: str


def _requisitioned(session: Session, order_line_id: int) -> Decimal:
    total = session.exec(
        select(func.coalesce(func.sum(BuyToOrderAllocation.quantity), 0))
        .join(PurchaseOrderLine, PurchaseOrderLine.id == BuyToOrderAllocation.purchase_order_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
        .where(BuyToOrderAllocation.sales_order_line_id == order_line_id, PurchaseOrder.state != PurchaseState.CANCELLED)
    ).one()
    return Decimal(total)


def _preferred_supplier(session: Session, item: Item) -> Partner:
    entry = session.exec(
        select(SupplierItem).where(SupplierItem.item_id == item.id).order_by(SupplierItem.priority, SupplierItem.id)
    ).first()
    if entry is None:
        raise InvalidInput(f"item {item.sku} has no supplier: add a supplier price or name the supplier")
    return session.get(Partner, entry.supplier_id)


def purchase_requirements(session: Session, order_number: str, *, supplier_code: str | None = None) -> list[Requirement]:
    """What must be bought for the buy-to-order lines of a sales order. Existing stock is not
    counted (the item is bought for each order), only what is already on a purchase order for it."""
    order = finders.sales_order_by_number(session, order_number)
    forced = finders.supplier_by_code(session, supplier_code) if supplier_code else None
    rows = session.exec(
        select(SalesOrderLine, Item)
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(SalesOrderLine.order_id == order.id, Item.buy_to_order)
        .order_by(SalesOrderLine.id)
    ).all()
    needed = []
    for line, item in rows:
        quantity = line.quantity - _requisitioned(session, line.id)
        if quantity > 0:
            supplier = forced or _preferred_supplier(session, item)
            needed.append(Requirement(line.id, item.sku, quantity, supplier.code))
    return needed


def order_requirements(session: Session, order_number: str, *, supplier_code: str | None = None) -> list[PurchaseOrderView]:
    """Turn the requirements of a sales order into purchase orders (one per supplier), each
    line linked to the sales order line it is bought for."""
    order = finders.sales_order_by_number(session, order_number)
    needed = purchase_requirements(session, order_number, supplier_code=supplier_code)
    by_supplier: dict[str, list[Requirement]] = defaultdict(list)
    for requirement in needed:
        by_supplier[requirement.supplier_code].append(requirement)
    warehouse = session.get(Warehouse, order.warehouse_id)
    created = []
    for code, requirements in by_supplier.items():
        view = create_purchase_order(
            session, code, warehouse.code, [PurchaseLineInput(r.sku, r.quantity) for r in requirements]
        )
        for requirement, line in zip(requirements, view.lines, strict=True):
            session.add(BuyToOrderAllocation(
                purchase_order_line_id=line.line_id, sales_order_line_id=requirement.order_line_id,
                quantity=requirement.quantity,
            ))
        created.append(view)
    session.flush()
    return created


@dataclass(frozen=True)
class ReceiptAllocation:
    order_number: str
    order_line_id: int
    quantity: Decimal


def allocate_on_receipt(
    session: Session, po_line: PurchaseOrderLine, item: Item, landing: Location, lot: Lot | None, arrived: Decimal
) -> ReceiptAllocation | None:
    """Reserve a non-stock buy-to-order receipt for the order line it was bought for."""
    if item.is_stock or not item.buy_to_order:
        return None
    link = session.exec(
        select(BuyToOrderAllocation).where(BuyToOrderAllocation.purchase_order_line_id == po_line.id)
    ).first()
    if link is None:
        return None
    line = session.get(SalesOrderLine, link.sales_order_line_id)
    order = session.get(SalesOrder, line.order_id)
    if order.state != OrderState.CONFIRMED:
        return None  # the order is gone or done: the goods stay unallocated
    take = min(arrived, line.backordered_quantity)
    if take <= 0:
        return None
    line.backordered_quantity -= take
    line.committed_quantity += take
    session.add(Reservation(order_line_id=line.id, item_id=item.id, location_id=landing.id,
                            lot_id=lot.id if lot else None, quantity=take))
    session.flush()
    return ReceiptAllocation(order.number, line.id, take)

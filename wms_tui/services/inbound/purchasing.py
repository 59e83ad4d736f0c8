"""Suppliers and purchase orders: order, the receiving document (no prices), close, cancel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import PurchaseState
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import PartnerKind
from wms_tui.services.inbound.common import (
    add_numbered,
)
from wms_tui.store import finders
from wms_tui.store.models import (
    Item,
    Partner,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierDetail,
    SupplierItem,
    Warehouse,
)


def register_supplier(
    session: Session, code: str, name: str, *, lead_time_days: int = 0, contact: str | None = None
) -> Partner:
    code = code.strip()
    if not code:
        raise InvalidInput("a supplier needs a code")
    if lead_time_days < 0:
        raise InvalidInput(f"supplier {code}: lead time cannot be negative ({lead_time_days} days)")
    if finders.find_partner(session, code):
        raise InvalidInput(f"partner {code} already exists")
    supplier = Partner(code=code, name=name, kind=PartnerKind.SUPPLIER)
    session.add(supplier)
    session.flush()
    session.add(SupplierDetail(partner_id=supplier.id, lead_time_days=lead_time_days, contact=contact))
    session.flush()
    return supplier


def set_supplier_price(session: Session, supplier_code: str, sku: str, unit_price: object, *, priority: int = 0) -> SupplierItem:
    supplier = finders.supplier_by_code(session, supplier_code)
    item = finders.item_by_sku(session, sku)
    price = quantities.unit_cost(unit_price)
    entry = session.exec(
        select(SupplierItem).where(SupplierItem.supplier_id == supplier.id, SupplierItem.item_id == item.id)
    ).first()
    if entry is None:
        entry = SupplierItem(supplier_id=supplier.id, item_id=item.id, unit_price=price, priority=priority)
        session.add(entry)
    else:
        entry.unit_price, entry.priority = price, priority
    session.flush()
    return entry


@dataclass(frozen=True)
class PurchaseLineInput:
    sku: str
    quantity: object
    unit_price: object | None = None  # None: the supplier's price for the item, else its standard cost
    expected_date: date | None = None


@dataclass(frozen=True)
class PurchaseLineView:
    line_id: int
    sku: str
    quantity: Decimal
    received: Decimal
    unit_price: Decimal
    expected_date: date | None

    @property
    def open_quantity(self) -> Decimal:
        return max(self.quantity - self.received, ZERO)


@dataclass(frozen=True)
class PurchaseOrderView:
    id: int
    number: str
    supplier_code: str
    warehouse_code: str
    state: PurchaseState
    lines: list[PurchaseLineView]


def _price(session: Session, supplier: Partner, item: Item, given: object | None) -> Decimal:
    if given is not None:
        return quantities.unit_cost(given)
    entry = session.exec(
        select(SupplierItem).where(SupplierItem.supplier_id == supplier.id, SupplierItem.item_id == item.id)
    ).first()
    return entry.unit_price if entry is not None else item.standard_cost


def _add_line(session: Session, order: PurchaseOrder, supplier: Partner, line: PurchaseLineInput) -> PurchaseOrderLine:
    item = finders.item_by_sku(session, line.sku)
    if not item.active:
        raise InvalidInput(f"item {item.sku} is archived and cannot be ordered")
    row = PurchaseOrderLine(
        order_id=order.id,
        item_id=item.id,
        quantity=quantities.move_quantity(line.quantity),
        unit_price=_price(session, supplier, item, line.unit_price),
        expected_date=line.expected_date,
    )
    session.add(row)
    return row


def create_purchase_order(
    session: Session, supplier_code: str, warehouse_code: str, lines: Sequence[PurchaseLineInput]
) -> PurchaseOrderView:
    supplier = finders.supplier_by_code(session, supplier_code)
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    if not lines:
        raise InvalidInput("a purchase order needs at least one line")
    order = add_numbered(
        session,
        PurchaseOrder(supplier_id=supplier.id, warehouse_id=warehouse.id, state=PurchaseState.OPEN, created_at=datetime.now(UTC)),
        "PO",
    )
    for line in lines:
        _add_line(session, order, supplier, line)
    session.flush()
    return purchase_order_view(session, order.number)


def add_purchase_line(session: Session, po_number: str, line: PurchaseLineInput) -> PurchaseOrderView:
    order = _open_order(session, po_number)
    _add_line(session, order, session.get(Partner, order.supplier_id), line)
    session.flush()
    return purchase_order_view(session, po_number)


def _open_order(session: Session, po_number: str) -> PurchaseOrder:
    order = finders.purchase_order_by_number(session, po_number)
    if order.state != PurchaseState.OPEN:
        raise InvalidInput(f"purchase order {order.number} is {order.state}, not open")
    return order


def _lines(session: Session, order_id: int) -> list[tuple[PurchaseOrderLine, Item]]:
    return session.exec(
        select(PurchaseOrderLine, Item)
        .join(Item, Item.id == PurchaseOrderLine.item_id)
        .where(PurchaseOrderLine.order_id == order_id)
        .order_by(PurchaseOrderLine.id)
    ).all()


def purchase_order_view(session: Session, po_number: str) -> PurchaseOrderView:
    order = finders.purchase_order_by_number(session, po_number)
    return PurchaseOrderView(
        id=order.id,
        number=order.number,
        supplier_code=session.get(Partner, order.supplier_id).code,
        warehouse_code=session.get(Warehouse, order.warehouse_id).code,
        state=PurchaseState(order.state),
        lines=[
            PurchaseLineView(line.id, item.sku, line.quantity, line.received_quantity, line.unit_price, line.expected_date)
            for line, item in _lines(session, order.id)
        ],
    )


@dataclass(frozen=True)
class ReceivingLine:
    sku: str
    name: str
    ordered: Decimal
    received: Decimal
    to_receive: Decimal
    expected_date: date | None


@dataclass(frozen=True)
class ReceivingDocument:
    """What the dock sees: the purchase order without prices."""

    po_number: str
    supplier_name: str
    warehouse_code: str
    lines: list[ReceivingLine]


def receiving_document(session: Session, po_number: str) -> ReceivingDocument:
    order = finders.purchase_order_by_number(session, po_number)
    return ReceivingDocument(
        po_number=order.number,
        supplier_name=session.get(Partner, order.supplier_id).name,
        warehouse_code=session.get(Warehouse, order.warehouse_id).code,
        lines=[
            ReceivingLine(
                item.sku, item.name, line.quantity, line.received_quantity,
                max(line.quantity - line.received_quantity, ZERO), line.expected_date,
            )
            for line, item in _lines(session, order.id)
        ],
    )


def close_purchase_order(session: Session, po_number: str) -> PurchaseOrderView:
    """Stop expecting what was not delivered: it leaves on order; received goods stay."""
    order = _open_order(session, po_number)
    order.state = PurchaseState.CLOSED
    session.flush()
    return purchase_order_view(session, po_number)


def cancel_purchase_order(session: Session, po_number: str) -> PurchaseOrderView:
    order = _open_order(session, po_number)
    received = session.exec(
        select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id, PurchaseOrderLine.received_quantity > 0)
    ).first()
    if received is not None:
        raise InvalidInput(f"purchase order {order.number} already has goods received: close it instead of cancelling")
    order.state = PurchaseState.CANCELLED
    session.flush()
    return purchase_order_view(session, po_number)

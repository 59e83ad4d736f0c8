"""Supplier invoice check: the price must match the purchase order and the quantity what was
received and not invoiced before; otherwise the invoice is held with the reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import InvoiceLineCheck, invoice_hold_reasons
from wms_tui.domain.states import SupplierInvoiceState
from wms_tui.store import finders
from wms_tui.store.models import PurchaseOrderLine, SupplierInvoice, SupplierInvoiceLine


@dataclass(frozen=True)
class InvoiceLineInput:
    sku: str
    quantity: object
    unit_price: object


@dataclass(frozen=True)
class InvoiceCheck:
    number: str
    state: SupplierInvoiceState
    reasons: list[str]


def _already_invoiced(session: Session, po_line_ids: list[int]) -> Decimal:
    total = session.exec(
        select(func.coalesce(func.sum(SupplierInvoiceLine.quantity), 0))
        .join(SupplierInvoice, SupplierInvoice.id == SupplierInvoiceLine.invoice_id)
        .where(SupplierInvoiceLine.purchase_order_line_id.in_(po_line_ids), SupplierInvoice.state == SupplierInvoiceState.APPROVED)
    ).one()
    return Decimal(total)


def check_supplier_invoice(
    session: Session, supplier_code: str, invoice_number: str, po_number: str, lines: Sequence[InvoiceLineInput]
) -> InvoiceCheck:
    """Record a supplier invoice against its purchase order: approved when every line matches,
    held with the reasons otherwise."""
    supplier = finders.supplier_by_code(session, supplier_code)
    order = finders.purchase_order_by_number(session, po_number)
    number = invoice_number.strip()
    if order.supplier_id != supplier.id:
        raise InvalidInput(f"purchase order {order.number} is not from supplier {supplier.code}")
    if not number or not lines:
        raise InvalidInput("a supplier invoice needs its number and at least one line")
    if session.exec(select(SupplierInvoice).where(SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.number == number)).first():
        raise InvalidInput(f"invoice {number} of {supplier.code} was already entered")
    po_lines: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for po_line in session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id).order_by(PurchaseOrderLine.id)).all():
        po_lines[po_line.item_id].append(po_line)
    reasons: list[str] = []
    rows: list[SupplierInvoiceLine] = []
    for line in lines:
        item = finders.item_by_sku(session, line.sku)
        quantity, price = quantities.move_quantity(line.quantity), quantities.unit_cost(line.unit_price)
        matching = po_lines.get(item.id)
        if not matching:
            raise InvalidInput(f"invoice {number}: item {item.sku} is not on purchase order {order.number}")
        received = sum((po_line.received_quantity for po_line in matching), Decimal(0))
        open_to_invoice = received - _already_invoiced(session, [po_line.id for po_line in matching])
        reasons += invoice_hold_reasons(
            f"{item.sku}", InvoiceLineCheck(matching[0].unit_price, price, open_to_invoice, quantity)
        )
        rows.append(SupplierInvoiceLine(purchase_order_line_id=matching[0].id, quantity=quantity, unit_price=price))
    invoice = SupplierInvoice(
        number=number, supplier_id=supplier.id, purchase_order_id=order.id, state=SupplierInvoiceState.HELD if reasons else SupplierInvoiceState.APPROVED,
        hold_reason="; ".join(reasons) or None, created_at=datetime.now(UTC),
    )
    session.add(invoice)
    session.flush()
    for row in rows:
        row.invoice_id = invoice.id
    session.add_all(rows)
    session.flush()
    return InvoiceCheck(number, invoice.state, reasons)


def release_hold(session: Session, supplier_code: str, invoice_number: str, released_by: str, reason: str) -> InvoiceCheck:
    """A person approves a held invoice for payment, saying why; its hold reasons stay on it."""
    supplier = finders.supplier_by_code(session, supplier_code)
    invoice = session.exec(
        select(SupplierInvoice).where(SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.number == invoice_number.strip())
    ).first()
    if invoice is None:
        raise NotFound(f"no invoice {invoice_number.strip()!r} of supplier {supplier.code}")
    if invoice.state != SupplierInvoiceState.HELD:
        raise InvalidInput(f"invoice {invoice.number} of {supplier.code} is {invoice.state}, not held")
    if not reason.strip():
        raise InvalidInput(f"releasing invoice {invoice.number} needs a reason")
    held_for = invoice.hold_reason or ""
    invoice.state = SupplierInvoiceState.APPROVED
    invoice.hold_reason = f"{held_for}; released by {released_by}: {reason.strip()}"
    session.flush()
    return InvoiceCheck(invoice.number, invoice.state, [held_for] if held_for else [])

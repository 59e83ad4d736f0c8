"""Supplier invoice check (three-way match): per purchase-order line, over all the invoice's lines
for it and all earlier invoices that still count, the price must match the PO and the quantity
what was received, within the supplier's tolerances; otherwise the invoice is held with the
reasons, line by line. A held invoice is released (someone says why), rejected, or corrected."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, func
from sqlmodel import Session, select

from wms_tui.domain import quantities, text
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import (
    InvoiceTolerance,
    PoLineMatch,
    invoice_hold_reasons,
)
from wms_tui.domain.states import SupplierInvoiceState
from wms_tui.store import finders
from wms_tui.store.models import (
    Item,
    PurchaseOrder,
    PurchaseOrderLine,
    SupplierDetail,
    SupplierInvoice,
    SupplierInvoiceLine,
)

# Invoices that bill their lines: a rejected one bills nothing.
BILLING_STATES = (SupplierInvoiceState.APPROVED, SupplierInvoiceState.HELD, SupplierInvoiceState.RELEASED)


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


def _invoiced_before(session: Session, po_line_ids: list[int], invoice_id: int) -> dict[int, Decimal]:
    rows = session.execute(
        select(SupplierInvoiceLine.purchase_order_line_id, func.sum(SupplierInvoiceLine.quantity))
        .join(SupplierInvoice, SupplierInvoice.id == SupplierInvoiceLine.invoice_id)
        .where(
            SupplierInvoiceLine.purchase_order_line_id.in_(po_line_ids),
            SupplierInvoice.state.in_(BILLING_STATES),
            SupplierInvoice.id != invoice_id,
        )
        .group_by(SupplierInvoiceLine.purchase_order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def supplier_tolerance(session: Session, supplier_id: int) -> InvoiceTolerance:
    detail = session.get(SupplierDetail, supplier_id)
    if detail is None:
        return InvoiceTolerance()
    return InvoiceTolerance(detail.invoice_price_tolerance_percent, detail.invoice_quantity_tolerance_percent)


def set_invoice_tolerance(session: Session, supplier_code: str, *, price_percent: object, quantity_percent: object) -> SupplierDetail:
    """The supplier's tolerances, in percent (0: the invoice must match exactly)."""
    supplier = finders.supplier_by_code(session, supplier_code)
    detail = session.get(SupplierDetail, supplier.id) or SupplierDetail(partner_id=supplier.id)
    detail.invoice_price_tolerance_percent = quantities.unit_cost(price_percent)
    detail.invoice_quantity_tolerance_percent = quantities.unit_cost(quantity_percent)
    session.add(detail)
    session.flush()
    return detail


def _match(
    session: Session, invoice: SupplierInvoice, order: PurchaseOrder, lines: Sequence[InvoiceLineInput], tolerance: InvoiceTolerance | None
) -> InvoiceCheck:
    """Write the invoice's lines, each on the PO line it bills, and decide approved or held."""
    po_lines: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for po_line in session.exec(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id).order_by(PurchaseOrderLine.id)).all():
        po_lines[po_line.item_id].append(po_line)
    before = _invoiced_before(session, [line.id for group in po_lines.values() for line in group], invoice.id)
    billed: dict[int, Decimal] = defaultdict(Decimal)
    rows: list[SupplierInvoiceLine] = []
    for line in lines:
        item = finders.item_by_sku(session, line.sku)
        quantity, price = quantities.move_quantity(line.quantity), quantities.unit_cost(line.unit_price)
        matching = po_lines.get(item.id)
        if not matching:
            raise InvalidInput(f"invoice {invoice.number}: item {item.sku} is not on purchase order {order.number}")
        # An item on several PO lines: fill each up to what it has received and not yet had
        # billed, the rest on the last.
        left = quantity
        for index, po_line in enumerate(matching):
            last = index == len(matching) - 1
            room = po_line.received_quantity - before.get(po_line.id, Decimal(0)) - billed[po_line.id]
            portion = left if last else min(left, max(room, Decimal(0)))
            if portion > 0:
                rows.append(SupplierInvoiceLine(invoice_id=invoice.id, purchase_order_line_id=po_line.id, quantity=portion, unit_price=price))
                billed[po_line.id] += portion
                left -= portion
    reasons_by_line: dict[int, list[str]] = {}
    tolerance = tolerance or supplier_tolerance(session, invoice.supplier_id)
    for group in po_lines.values():
        sku = session.get(Item, group[0].item_id).sku
        for po_line in group:
            if po_line.id not in billed:
                continue
            label = sku if len(group) == 1 else f"{sku} (PO line {po_line.id})"
            match = PoLineMatch(
                po_line.unit_price, po_line.received_quantity, before.get(po_line.id, Decimal(0)), billed[po_line.id],
                tuple(row.unit_price for row in rows if row.purchase_order_line_id == po_line.id),
            )
            reasons_by_line[po_line.id] = invoice_hold_reasons(label, match, tolerance)
    for row in rows:
        row.hold_reason = "; ".join(reasons_by_line[row.purchase_order_line_id]) or None
    session.add_all(rows)
    reasons = [reason for line_reasons in reasons_by_line.values() for reason in line_reasons]
    invoice.state = SupplierInvoiceState.HELD if reasons else SupplierInvoiceState.APPROVED
    invoice.hold_reason = "; ".join(reasons) or None
    session.flush()
    return InvoiceCheck(invoice.number, invoice.state, reasons)


def check_supplier_invoice(
    session: Session,
    supplier_code: str,
    invoice_number: str,
    po_number: str,
    lines: Sequence[InvoiceLineInput],
    *,
    tolerance: InvoiceTolerance | None = None,
) -> InvoiceCheck:
    """Record a supplier invoice against its purchase order: approved when every PO line it
    bills matches, held with the reasons otherwise. `tolerance` overrides the supplier's (a
    company-wide setting passed by the caller)."""
    supplier = finders.supplier_by_code(session, supplier_code)
    order = finders.purchase_order_by_number(session, po_number)
    number = invoice_number.strip()
    if order.supplier_id != supplier.id:
        raise InvalidInput(f"purchase order {order.number} is not from supplier {supplier.code}")
    if not number or not lines:
        raise InvalidInput("a supplier invoice needs its number and at least one line")
    if session.exec(select(SupplierInvoice).where(SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.number == number)).first():
        raise InvalidInput(f"invoice {number} of {supplier.code} was already entered")
    invoice = SupplierInvoice(
        number=number, supplier_id=supplier.id, purchase_order_id=order.id, state=SupplierInvoiceState.HELD, created_at=datetime.now(UTC),
    )
    session.add(invoice)
    session.flush()
    return _match(session, invoice, order, lines, tolerance)


def _held(session: Session, supplier_code: str, invoice_number: str) -> SupplierInvoice:
    supplier = finders.supplier_by_code(session, supplier_code)
    invoice = session.exec(
        select(SupplierInvoice).where(SupplierInvoice.supplier_id == supplier.id, SupplierInvoice.number == invoice_number.strip())
    ).first()
    if invoice is None:
        raise NotFound(f"no invoice {invoice_number!r} of {supplier.code}")
    if invoice.state != SupplierInvoiceState.HELD:
        raise InvalidInput(f"invoice {invoice.number} of {supplier.code} is {invoice.state}, not held")
    return invoice


def _decide(session: Session, supplier_code: str, invoice_number: str, state: SupplierInvoiceState, operator: str, reason: str) -> SupplierInvoice:
    invoice = _held(session, supplier_code, invoice_number)
    why = text.field(reason, f"why invoice {invoice.number} is {state}", 200)
    invoice.state, invoice.decided_by, invoice.decision_reason, invoice.decided_at = state, operator, why, datetime.now(UTC)
    session.flush()
    return invoice


def release_supplier_invoice(session: Session, supplier_code: str, invoice_number: str, *, operator: str, reason: str) -> SupplierInvoice:
    """Approve a held invoice anyway (a price agreed on the phone, a delivery counted short):
    who and why are kept with it."""
    return _decide(session, supplier_code, invoice_number, SupplierInvoiceState.RELEASED, operator, reason)


def reject_supplier_invoice(session: Session, supplier_code: str, invoice_number: str, *, operator: str, reason: str) -> SupplierInvoice:
    """Refuse a held invoice: it bills nothing, so a correct one can be entered."""
    return _decide(session, supplier_code, invoice_number, SupplierInvoiceState.REJECTED, operator, reason)


def correct_supplier_invoice(
    session: Session, supplier_code: str, invoice_number: str, lines: Sequence[InvoiceLineInput], *, tolerance: InvoiceTolerance | None = None
) -> InvoiceCheck:
    """Replace a held invoice's lines (as the supplier corrected them) and check it again."""
    invoice = _held(session, supplier_code, invoice_number)
    if not lines:
        raise InvalidInput("a supplier invoice needs at least one line")
    session.execute(delete(SupplierInvoiceLine).where(SupplierInvoiceLine.invoice_id == invoice.id))
    session.flush()
    return _match(session, invoice, session.get(PurchaseOrder, invoice.purchase_order_id), lines, tolerance)

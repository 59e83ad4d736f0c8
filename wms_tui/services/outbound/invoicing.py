"""Invoices from what was actually shipped (or in advance, deducted when it ships), payments and
refunds, and receivables aging."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities, text
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import (
    AGING_BUCKETS,
    OrderState,
    PaymentStatus,
    aging_bucket,
    cents,
    line_amount,
    payment_status,
)
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import InvoiceKind, InvoiceState, PaymentKind, PaymentState
from wms_tui.services.outbound.common import order_lines
from wms_tui.store import finders
from wms_tui.store.models import (
    CustomerProfile,
    Invoice,
    InvoiceLine,
    Partner,
    Payment,
    SalesOrder,
    SalesOrderLine,
)


def invoiced_by_line(session: Session, line_ids: list[int]) -> dict[int, Decimal]:
    """Units billed per order line as shipped goods (final invoices; advances not included)."""
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            InvoiceLine.order_line_id.in_(line_ids), Invoice.state != InvoiceState.VOID, Invoice.kind == InvoiceKind.INVOICE,
            InvoiceLine.advance_invoice_id.is_(None),
        )
        .group_by(InvoiceLine.order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def open_advances(session: Session, line_ids: list[int]) -> dict[int, list[tuple[int, Decimal]]]:
    """Per order line, the advance invoices (oldest first) with the units they billed that no
    final invoice has deducted yet."""
    billed = session.execute(
        select(InvoiceLine.order_line_id, InvoiceLine.invoice_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.order_line_id.in_(line_ids), Invoice.state != InvoiceState.VOID, Invoice.kind == InvoiceKind.ADVANCE)
        .group_by(InvoiceLine.order_line_id, InvoiceLine.invoice_id)
        .order_by(InvoiceLine.invoice_id)
    ).all()
    deducted = dict(
        ((line_id, advance_id), Decimal(total))
        for line_id, advance_id, total in session.execute(
            select(InvoiceLine.order_line_id, InvoiceLine.advance_invoice_id, func.sum(InvoiceLine.quantity))
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(InvoiceLine.order_line_id.in_(line_ids), Invoice.state != InvoiceState.VOID, InvoiceLine.advance_invoice_id.is_not(None))
            .group_by(InvoiceLine.order_line_id, InvoiceLine.advance_invoice_id)
        )
    )
    result: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for line_id, advance_id, quantity in billed:
        left = Decimal(quantity) + deducted.get((line_id, advance_id), ZERO)  # deductions are negative
        if left > 0:
            result[line_id].append((advance_id, left))
    return result


def _new_invoice(session: Session, order: SalesOrder, kind: InvoiceKind, issued_on: date) -> Invoice:
    first = not session.exec(select(Invoice.id).where(Invoice.order_id == order.id, Invoice.state != InvoiceState.VOID)).first()
    count = session.execute(select(func.count()).select_from(Invoice).where(Invoice.order_id == order.id)).scalar_one()
    terms = session.get(CustomerProfile, order.customer_id).payment_terms_days
    invoice = Invoice(
        number=f"{order.number}/{'ADV' if kind is InvoiceKind.ADVANCE else 'INV'}-{count + 1}", order_id=order.id, kind=kind,
        issued_on=issued_on, due_on=issued_on + timedelta(days=terms), subtotal=ZERO, tax_total=ZERO,
        freight=cents(order.freight) if first else ZERO, total=ZERO, created_at=datetime.now(UTC),
    )
    session.add(invoice)
    session.flush()
    return invoice


def _add_line(invoice: Invoice, line: SalesOrderLine, quantity: Decimal, advance_id: int | None = None) -> InvoiceLine:
    amount = line_amount(quantity, line.unit_price, line.discount_percent, line.tax_rate)
    invoice.subtotal += amount.net
    invoice.tax_total += amount.tax
    return InvoiceLine(
        invoice_id=invoice.id, order_line_id=line.id, quantity=quantity, unit_price=line.unit_price,
        discount_percent=line.discount_percent, tax_rate=line.tax_rate, net=amount.net, tax=amount.tax,
        advance_invoice_id=advance_id,
    )


def invoice_order(session: Session, order_number: str, *, issued_on: date | None = None, advance: bool = False) -> Invoice:
    """Invoice the shipped units not invoiced yet (may be less than ordered), less what advance
    invoices already billed for them; the order's freight goes on its first invoice. With
    `advance`, invoice ahead of shipping (reference 002: "invoice for an order before picking"):
    the ordered units neither shipped nor billed yet. Refused when there is nothing new to bill."""
    order = finders.sales_order_by_number(session, order_number)
    issued_on = issued_on or datetime.now(UTC).date()
    lines = order_lines(session, order.id)
    ids = [line.id for line in lines]
    advances = open_advances(session, ids)
    if advance:
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"sales order {order.number} is {order.state}: only a confirmed order is invoiced in advance")
        waiting = [
            (line, line.quantity - line.cancelled_quantity - line.shipped_quantity - sum((q for _, q in advances.get(line.id, [])), ZERO))
            for line in lines
        ]
        to_bill = [(line, quantity) for line, quantity in waiting if quantity > 0]
        if not to_bill:
            raise InvalidInput(f"sales order {order.number} has nothing ordered left to invoice in advance")
    else:
        already = invoiced_by_line(session, ids)
        to_bill = [(line, line.shipped_quantity - already.get(line.id, ZERO)) for line in lines]
        to_bill = [(line, quantity) for line, quantity in to_bill if quantity > 0]
        if not to_bill:
            if already:
                raise InvalidInput(f"sales order {order.number} is already invoiced for everything shipped")
            raise InvalidInput(f"sales order {order.number} has nothing shipped to invoice")
    invoice = _new_invoice(session, order, InvoiceKind.ADVANCE if advance else InvoiceKind.INVOICE, issued_on)
    rows = []
    for line, quantity in to_bill:
        rows.append(_add_line(invoice, line, quantity))
        if advance:
            continue
        for advance_id, open_quantity in advances.get(line.id, []):  # oldest advance first
            deduct = min(quantity, open_quantity)
            if deduct <= 0:
                break
            rows.append(_add_line(invoice, line, -deduct, advance_id))
            quantity -= deduct
    session.add_all(rows)
    invoice.total = invoice.subtotal + invoice.tax_total + invoice.freight
    session.flush()
    return invoice


def _invoice(session: Session, number: str) -> Invoice:
    invoice = session.exec(select(Invoice).where(Invoice.number == number.strip())).first()
    if invoice is None:
        raise NotFound(f"no invoice {number!r}")
    return invoice


def paid_amount(session: Session, invoice_id: int) -> Decimal:
    """Paid on the invoice, net of refunds."""
    return Decimal(
        session.execute(
            select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.invoice_id == invoice_id, Payment.state == PaymentState.POSTED)
        ).scalar_one()
    )


def record_payment(session: Session, invoice_number: str, amount: object, *, paid_on: date | None = None, reference: str = "") -> Payment:
    invoice = _invoice(session, invoice_number)
    if invoice.state == InvoiceState.VOID:
        raise InvalidInput(f"invoice {invoice.number} is void")
    value = quantities.unit_cost(amount)
    if value <= 0:
        raise InvalidInput(f"a payment must be more than zero, got {amount!r}")
    outstanding = invoice.total - paid_amount(session, invoice.id)
    if value > outstanding:
        raise InvalidInput(f"payment {cents(value)} is more than the {cents(outstanding)} still open on invoice {invoice.number}")
    payment = Payment(invoice_id=invoice.id, amount=value, paid_on=paid_on or datetime.now(UTC).date(),
                      reference=reference.strip(), created_at=datetime.now(UTC))
    session.add(payment)
    session.flush()
    return payment


def refund_payment(session: Session, payment_id: int, amount: object, *, reason: str, refunded_on: date | None = None) -> Payment:
    """Pay money back on a payment (not a credit note): recorded as a negative payment on the
    same invoice, so its paid status and the aging follow. At most what is left of the payment."""
    original = session.get(Payment, payment_id)
    if original is None or original.kind != PaymentKind.PAYMENT:
        raise NotFound(f"no payment {payment_id}")
    if original.state != PaymentState.POSTED:
        raise InvalidInput(f"payment {payment_id} is {original.state}: nothing to refund")
    value = quantities.unit_cost(amount)
    if value <= 0:
        raise InvalidInput(f"a refund must be more than zero, got {amount!r}")
    refunded = -Decimal(session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(Payment.refund_of_id == original.id, Payment.state == PaymentState.POSTED)
    ).scalar_one())
    if value > original.amount - refunded:
        raise InvalidInput(f"refund {cents(value)} is more than the {cents(original.amount - refunded)} left of payment {payment_id}")
    refund = Payment(
        invoice_id=original.invoice_id, amount=-value, kind=PaymentKind.REFUND, refund_of_id=original.id,
        reason=text.field(reason, "refund reason", 200), paid_on=refunded_on or datetime.now(UTC).date(),
        reference=original.reference, created_at=datetime.now(UTC),
    )
    session.add(refund)
    session.flush()
    return refund


def invoice_payment_status(session: Session, invoice_number: str, *, as_of: date | None = None) -> PaymentStatus:
    invoice = _invoice(session, invoice_number)
    return payment_status(invoice.total, paid_amount(session, invoice.id), invoice.due_on, as_of or datetime.now(UTC).date())


@dataclass(frozen=True)
class AgingRow:
    customer_code: str
    buckets: dict[str, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def aging(session: Session, *, as_of: date | None = None) -> list[AgingRow]:
    """Open receivables per customer by how late they are (current, 1-30, ... 90+ days)."""
    as_of = as_of or datetime.now(UTC).date()
    paid = (
        select(Payment.invoice_id, func.sum(Payment.amount).label("paid"))
        .where(Payment.state == PaymentState.POSTED)
        .group_by(Payment.invoice_id)
        .subquery()
    )
    rows = session.execute(
        select(Partner.code, Invoice.total, Invoice.due_on, func.coalesce(paid.c.paid, 0))
        .join(SalesOrder, SalesOrder.id == Invoice.order_id)
        .join(Partner, Partner.id == SalesOrder.customer_id)
        .outerjoin(paid, paid.c.invoice_id == Invoice.id)
        .where(Invoice.state != InvoiceState.VOID)
    )
    per_customer: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(AGING_BUCKETS, ZERO))
    for code, total, due_on, paid_total in rows:
        open_amount = Decimal(total) - Decimal(paid_total)
        if open_amount > 0:
            per_customer[code][aging_bucket(due_on, as_of)] += open_amount
    return [AgingRow(code, buckets) for code, buckets in sorted(per_customer.items())]


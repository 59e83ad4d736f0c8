"""Invoices from what was actually shipped, payments, and receivables aging."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import (
    AGING_BUCKETS,
    PaymentStatus,
    aging_bucket,
    cents,
    line_amount,
    payment_status,
)
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import InvoiceState, PaymentState
from wms_tui.services.outbound.common import order_lines
from wms_tui.store import finders
from wms_tui.store.models import (
    CustomerProfile,
    Invoice,
    InvoiceLine,
    Partner,
    Payment,
    SalesOrder,
)


def invoiced_by_line(session: Session, line_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(
        select(InvoiceLine.order_line_id, func.sum(InvoiceLine.quantity))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(InvoiceLine.order_line_id.in_(line_ids), Invoice.state != InvoiceState.VOID)
        .group_by(InvoiceLine.order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def invoice_order(session: Session, order_number: str, *, issued_on: date | None = None) -> Invoice:
    """Invoice the shipped units not invoiced yet (may be less than ordered); the order's freight
    goes on its first invoice. Refused when there is nothing new to invoice."""
    order = finders.sales_order_by_number(session, order_number)
    issued_on = issued_on or datetime.now(UTC).date()
    lines = order_lines(session, order.id)
    already = invoiced_by_line(session, [line.id for line in lines])
    to_bill = [(line, line.shipped_quantity - already.get(line.id, ZERO)) for line in lines]
    to_bill = [(line, quantity) for line, quantity in to_bill if quantity > 0]
    if not to_bill:
        if already:
            raise InvalidInput(f"sales order {order.number} is already invoiced for everything shipped")
        raise InvalidInput(f"sales order {order.number} has nothing shipped to invoice")
    first = not session.exec(select(Invoice.id).where(Invoice.order_id == order.id, Invoice.state != InvoiceState.VOID)).first()
    freight = cents(order.freight) if first else ZERO
    count = session.execute(select(func.count()).select_from(Invoice).where(Invoice.order_id == order.id)).scalar_one()
    terms = session.get(CustomerProfile, order.customer_id).payment_terms_days
    invoice = Invoice(
        number=f"{order.number}/INV-{count + 1}", order_id=order.id, issued_on=issued_on,
        due_on=issued_on + timedelta(days=terms), subtotal=ZERO, tax_total=ZERO, freight=freight, total=ZERO,
        created_at=datetime.now(UTC),
    )
    session.add(invoice)
    session.flush()
    for line, quantity in to_bill:
        amount = line_amount(quantity, line.unit_price, line.discount_percent, line.tax_rate)
        session.add(
            InvoiceLine(
                invoice_id=invoice.id, order_line_id=line.id, quantity=quantity, unit_price=line.unit_price,
                discount_percent=line.discount_percent, tax_rate=line.tax_rate, net=amount.net, tax=amount.tax,
            )
        )
        invoice.subtotal += amount.net
        invoice.tax_total += amount.tax
    invoice.total = invoice.subtotal + invoice.tax_total + invoice.freight
    session.flush()
    return invoice


def _invoice(session: Session, number: str) -> Invoice:
    invoice = session.exec(select(Invoice).where(Invoice.number == number.strip())).first()
    if invoice is None:
        raise NotFound(f"no invoice {number!r}")
    return invoice


def paid_amount(session: Session, invoice_id: int) -> Decimal:
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


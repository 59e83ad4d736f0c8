"""Invoicing before shipping and refunds (issue 12, item 11), on SQLite and PostgreSQL.

Reference 002 (workflow flexibility): "you can choose to invoice for an order before picking";
returns get "any credit or refund you give them". An advance invoice bills ordered units; the
invoice raised when they ship deducts it. A refund pays money back on a payment: paid status
and aging follow.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from tests.inbound.books import check_values
from tests.outbound.helpers import CTX, build_shop
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.outbound import PaymentStatus
from wms_tui.domain.states import InvoiceKind, TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.outbound import allocation, invoicing, orders, picking
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store.models import InvoiceLine, Location, Task
from wms_tui.store.session import transaction

EAN = "4006381333931"
TODAY = date(2026, 12, 1)


def _ship(engine, shop, quantity: str) -> None:
    """One-step delivery: `quantity` picked off the open pick task, straight to the customer."""
    with transaction(engine) as session:
        [task] = session.exec(select(Task).where(Task.document_ref == "SO-1", Task.kind == TaskKind.PICK, Task.state != TaskState.DONE)).all()
        if task.assignee is None:
            tasks.claim_task(session, task.id, CTX.operator)
        bin_code = session.get(Location, task.location_id).code
        picking.confirm_pick(session, CTX, task.id, location_scan=location_barcode(bin_code), item_scan=EAN,
                             packages=quantity, today=TODAY)


def _order(engine, lines: list[LineInput], **kwargs) -> None:
    with transaction(engine) as session:
        orders.create_order(session, "C1", "WH1", lines, number="SO-1", **kwargs)
        orders.confirm_order(session, "SO-1", today=TODAY)
        allocation.allocate(session, ["SO-1"], today=TODAY)


def test_advance_invoice_is_deducted_when_the_goods_ship(engine):
    shop = build_shop(engine, steps=1)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "10")
    _order(engine, [LineInput("W-1", "10", "5.00", tax_rate="21")], freight="7.50")
    with transaction(engine) as session:
        advance = invoicing.invoice_order(session, "SO-1", issued_on=TODAY, advance=True)
        assert (advance.kind, advance.subtotal, advance.tax_total, advance.freight, advance.total) == (
            InvoiceKind.ADVANCE, Decimal(50), Decimal("10.50"), Decimal("7.50"), Decimal("68.00"),
        )
        invoicing.record_payment(session, advance.number, "68.00", paid_on=TODAY)
    with pytest.raises(InvalidInput, match="nothing ordered left to invoice in advance"), transaction(engine) as session:
        invoicing.invoice_order(session, "SO-1", advance=True)

    _ship(engine, shop, "4")  # 4 ship now, 6 later
    with transaction(engine) as session:
        final = invoicing.invoice_order(session, "SO-1", issued_on=TODAY)
        lines = session.exec(select(InvoiceLine.quantity, InvoiceLine.advance_invoice_id).where(InvoiceLine.invoice_id == final.id)).all()
        assert [tuple(line) for line in lines] == [(Decimal(4), None), (Decimal(-4), advance.id)]
        assert (final.kind, final.subtotal, final.freight, final.total) == (InvoiceKind.INVOICE, Decimal(0), Decimal(0), Decimal(0))
        assert invoicing.invoice_payment_status(session, final.number, as_of=TODAY) is PaymentStatus.PAID
        assert invoicing.invoiced_by_line(session, [line.id for line in orders.order_lines(session, final.order_id)]) != {}
    _ship(engine, shop, "6")
    with transaction(engine) as session:
        rest = invoicing.invoice_order(session, "SO-1", issued_on=TODAY)
        assert rest.total == 0  # all 10 were billed in advance
        assert invoicing.open_advances(session, [line.id for line in orders.order_lines(session, rest.order_id)]) == {}
        assert invoicing.aging(session, as_of=TODAY) == []
    check_values(engine)


def test_a_payment_is_refunded_and_status_and_aging_follow(engine):
    shop = build_shop(engine, steps=1)
    shop.receive(shop.wh.widget.id, shop.wh.bin_a.id, "10")
    _order(engine, [LineInput("W-1", "10", "5.00")])
    _ship(engine, shop, "10")
    with transaction(engine) as session:
        invoice = invoicing.invoice_order(session, "SO-1", issued_on=TODAY)
        payment = invoicing.record_payment(session, invoice.number, "50", paid_on=TODAY)
        assert invoicing.invoice_payment_status(session, invoice.number, as_of=TODAY) is PaymentStatus.PAID
    with pytest.raises(InvalidInput, match="more than the 50.00 left of payment"), transaction(engine) as session:
        invoicing.refund_payment(session, payment.id, "50.01", reason="overcharged")
    with transaction(engine) as session:
        refund = invoicing.refund_payment(session, payment.id, "20", reason="two units damaged, money back", refunded_on=TODAY)
        assert (refund.amount, refund.refund_of_id, refund.reason) == (Decimal(-20), payment.id, "two units damaged, money back")
        assert invoicing.paid_amount(session, invoice.id) == Decimal(30)
        assert invoicing.invoice_payment_status(session, invoice.number, as_of=TODAY) is PaymentStatus.PARTIALLY_PAID
        [row] = invoicing.aging(session, as_of=date(2027, 2, 1))  # 32 days past due
        assert (row.customer_code, row.buckets["31-60"]) == ("C1", Decimal(20))
    with pytest.raises(InvalidInput, match="more than the 30.00 left"), transaction(engine) as session:
        invoicing.refund_payment(session, payment.id, "31", reason="again")
    with pytest.raises(NotFound, match="no payment"), transaction(engine) as session:
        invoicing.refund_payment(session, refund.id, "1", reason="a refund of a refund")
    check_values(engine)

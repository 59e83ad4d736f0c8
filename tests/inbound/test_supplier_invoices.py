"""Supplier invoice match (issue 12, item 8), on SQLite and PostgreSQL.

Reference 002 (order processing notes): "invoice comes in - if invoice okay (price matches price
on purchase order and count verified) it is confirmed and put on open A/P file". The match is
per purchase-order line, over every line of the invoice and every earlier invoice.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import select

from tests.inbound.books import check_values
from tests.inbound.support import CTX, TODAY, build_world
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import InvoiceTolerance
from wms_tui.domain.states import SupplierInvoiceState
from wms_tui.services.inbound import invoices, purchasing, receiving
from wms_tui.services.inbound.invoices import InvoiceLineInput
from wms_tui.services.inbound.purchasing import PurchaseLineInput
from wms_tui.store.models import SupplierInvoice, SupplierInvoiceLine
from wms_tui.store.session import transaction


def _po_with_ten_received(engine) -> str:
    build_world(engine)
    with transaction(engine) as session:
        po = purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("W-1", "10", "2.40")])
        receipt = receiving.start_receipt(session, po.number)
        receiving.receive_scan(session, CTX, receipt.number, "W-1", count="10", today=TODAY)
        return po.number


def _check(engine, number: str, po: str, *lines: tuple[str, str]) -> invoices.InvoiceCheck:
    with transaction(engine) as session:
        return invoices.check_supplier_invoice(session, "ACME", number, po, [InvoiceLineInput("W-1", q, p) for q, p in lines])


def test_two_lines_are_matched_together_and_earlier_invoices_count(engine):
    po = _po_with_ten_received(engine)
    # Two lines of 10 for the 10 received: 20 billed, held (each line was once compared alone).
    double = _check(engine, "INV-1", po, ("10", "2.40"), ("10", "2.40"))
    assert (double.state, double.reasons) == ("held", ["W-1: invoiced 20 but 10 received and not yet invoiced"])
    with transaction(engine) as session:
        invoices.reject_supplier_invoice(session, "ACME", "INV-1", operator="ap", reason="billed twice")
    # A correct 5 + 5 split on one invoice is approved (it was held).
    assert _check(engine, "INV-2", po, ("5", "2.40"), ("5", "2.40")).state == "approved"
    # Nothing is left to bill: one more unit is held, the earlier invoice counted.
    assert _check(engine, "INV-3", po, ("1", "2.40")).reasons == ["W-1: invoiced 1 but 0 received and not yet invoiced"]
    check_values(engine)


def test_split_over_two_invoices_and_tolerances(engine):
    po = _po_with_ten_received(engine)
    assert _check(engine, "INV-1", po, ("5", "2.40")).state == "approved"
    assert _check(engine, "INV-2", po, ("5", "2.40")).state == "approved"
    with transaction(engine) as session:
        invoices.set_invoice_tolerance(session, "ACME", price_percent="2", quantity_percent="0")
    with transaction(engine) as session:
        po2 = purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("W-1", "10", "2.40")]).number
        receipt = receiving.start_receipt(session, po2)
        receiving.receive_scan(session, CTX, receipt.number, "W-1", count="10", today=TODAY)
    # 2.44 is within 2% of 2.40; 2.50 is not, and the hold reason is on its line.
    assert _check(engine, "INV-3", po2, ("4", "2.44")).state == "approved"
    held = _check(engine, "INV-4", po2, ("6", "2.50"))
    assert held.reasons == ["W-1: price 2.5 differs from the PO price 2.4 by more than 2%"]
    with transaction(engine) as session:
        line_reasons = session.exec(
            select(SupplierInvoiceLine.hold_reason).join(SupplierInvoice).where(SupplierInvoice.number == "INV-4")
        ).all()
    assert line_reasons == ["W-1: price 2.5 differs from the PO price 2.4 by more than 2%"]
    # A company-wide tolerance given by the caller overrides the supplier's.
    with transaction(engine) as session:
        invoices.reject_supplier_invoice(session, "ACME", "INV-4", operator="ap", reason="price")
        loose = invoices.check_supplier_invoice(session, "ACME", "INV-5", po2, [InvoiceLineInput("W-1", "6", "2.50")],
                                                tolerance=InvoiceTolerance(price_percent=Decimal(5)))
    assert loose.state == "approved"
    check_values(engine)


def test_a_held_invoice_is_released_rejected_or_corrected(engine):
    po = _po_with_ten_received(engine)
    assert _check(engine, "INV-1", po, ("10", "2.45")).state == "held"
    with pytest.raises(InvalidInput, match="why invoice INV-1 is released"), transaction(engine) as session:
        invoices.release_supplier_invoice(session, "ACME", "INV-1", operator="boss", reason=" ")
    with transaction(engine) as session:
        released = invoices.release_supplier_invoice(session, "ACME", "INV-1", operator="boss", reason="price agreed by phone")
        assert (released.state, released.decided_by, released.decision_reason) == (
            SupplierInvoiceState.RELEASED, "boss", "price agreed by phone",
        )
    with pytest.raises(InvalidInput, match="is released, not held"), transaction(engine) as session:
        invoices.reject_supplier_invoice(session, "ACME", "INV-1", operator="boss", reason="changed my mind")
    # The released invoice billed all 10: another one is held, and rejected.
    assert _check(engine, "INV-2", po, ("2", "2.40")).state == "held"
    with transaction(engine) as session:
        invoices.reject_supplier_invoice(session, "ACME", "INV-2", operator="ap", reason="already billed")
        assert session.exec(select(SupplierInvoice.state).where(SupplierInvoice.number == "INV-2")).one() == "rejected"

    # Correction: a second order, an invoice held for its quantity, corrected by the supplier.
    with transaction(engine) as session:
        po2 = purchasing.create_purchase_order(session, "ACME", "WH1", [PurchaseLineInput("W-1", "8", "2.40")]).number
        receipt = receiving.start_receipt(session, po2)
        receiving.receive_scan(session, CTX, receipt.number, "W-1", count="8", today=TODAY)
    assert _check(engine, "INV-3", po2, ("9", "2.40")).state == "held"
    with transaction(engine) as session:
        corrected = invoices.correct_supplier_invoice(session, "ACME", "INV-3", [InvoiceLineInput("W-1", "8", "2.40")])
    assert (corrected.state, corrected.reasons) == ("approved", [])
    check_values(engine)

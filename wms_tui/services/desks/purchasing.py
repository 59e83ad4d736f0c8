"""The purchasing desk beyond reorder suggestions (console_views, desk): purchase orders from a
form and from buy-to-order requisitions, a purchase order's page (its receiving document, the
receipts against it, the supplier invoices with their 3-way check), holds and their release."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import select

from wms_tui.domain.errors import InvalidInput, WmsError
from wms_tui.domain.outbound import OPEN_ORDER_STATES
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.states import PartnerKind, SupplierInvoiceState
from wms_tui.services.inbound import buy_to_order, invoices, purchasing, replenishment
from wms_tui.services.inbound.invoices import InvoiceLineInput
from wms_tui.services.inbound.purchasing import (
    PurchaseLineInput,
    PurchaseOrderView,
    ReceivingDocument,
)
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders
from wms_tui.store.models import (
    Item,
    Partner,
    Receipt,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    SupplierInvoice,
    SupplierInvoiceLine,
)
from wms_tui.store.session import reading, transaction


def supplier_codes(engine: Engine) -> list[tuple[str, str]]:
    """(code, name) of active suppliers."""
    with reading(engine) as session:
        return [
            (code, name)
            for code, name in session.execute(
                select(Partner.code, Partner.name).where(Partner.kind == PartnerKind.SUPPLIER, Partner.active).order_by(Partner.code)
            )
        ]


@dataclass(frozen=True)
class Requisition:
    """What a sales order's buy-to-order lines still need bought."""

    order: str
    customer: str
    sku: str
    quantity: Decimal
    supplier: str  # the item's preferred supplier; the reason when it has none


def requisitions(engine: Engine) -> list[Requisition]:
    with reading(engine) as session:
        orders = session.execute(
            select(SalesOrder.number, Partner.code).distinct()
            .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
            .join(Item, Item.id == SalesOrderLine.item_id)
            .join(Partner, Partner.id == SalesOrder.customer_id)
            .where(Item.buy_to_order, SalesOrder.state.in_(OPEN_ORDER_STATES))
            .order_by(SalesOrder.number)
        ).all()
        found = []
        for number, customer in orders:
            try:
                needed = buy_to_order.purchase_requirements(session, number)
            except WmsError as exc:  # e.g. an item without a supplier: the desk shows why
                found.append(Requisition(number, customer, "", ZERO, str(exc)))
                continue
            found += [Requisition(number, customer, r.sku, r.quantity, r.supplier_code) for r in needed]
        return found


@dataclass(frozen=True)
class ReceiptRow:
    receipt: str
    state: str
    sku: str
    quantity: Decimal
    over: Decimal
    over_reason: str
    operator: str
    at: datetime


@dataclass(frozen=True)
class SupplierInvoiceRow:
    number: str
    state: str
    lines: str  # "SKU-1 10 @ 2.50, ..."
    total: Decimal
    hold_reason: str
    created_at: datetime


@dataclass(frozen=True)
class PurchasePage:
    order: PurchaseOrderView
    supplier_name: str
    receiving: ReceivingDocument
    receipts: list[ReceiptRow]
    invoices: list[SupplierInvoiceRow]

    @property
    def held(self) -> list[SupplierInvoiceRow]:
        return [invoice for invoice in self.invoices if invoice.state == SupplierInvoiceState.HELD]


def purchase_page(engine: Engine, number: str) -> PurchasePage:
    with reading(engine) as session:
        order = purchasing.purchase_order_view(session, number)
        receipts = [
            ReceiptRow(receipt, state, sku, line.quantity, line.over_quantity, line.over_reason or "", line.operator, line.created_at)
            for line, receipt, state, sku in session.execute(
                select(ReceiptLine, Receipt.number, Receipt.state, Item.sku)
                .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
                .join(Item, Item.id == ReceiptLine.item_id)
                .where(Receipt.purchase_order_id == order.id).order_by(ReceiptLine.id)
            )
        ]
        skus = {line.line_id: line.sku for line in order.lines}
        lines: dict[int, list[SupplierInvoiceLine]] = defaultdict(list)
        documents = session.execute(
            select(SupplierInvoice).where(SupplierInvoice.purchase_order_id == order.id).order_by(SupplierInvoice.id)
        ).scalars().all()
        for line in session.execute(
            select(SupplierInvoiceLine).where(SupplierInvoiceLine.invoice_id.in_([d.id for d in documents])).order_by(SupplierInvoiceLine.id)
        ).scalars():
            lines[line.invoice_id].append(line)
        supplier_invoices = [
            SupplierInvoiceRow(
                document.number, document.state,
                ", ".join(f"{skus.get(line.purchase_order_line_id, '?')} {display(line.quantity)} @ {line.unit_price:,.2f}"
                          for line in lines[document.id]),
                sum((line.quantity * line.unit_price for line in lines[document.id]), ZERO),
                document.hold_reason or "", document.created_at,
            )
            for document in documents
        ]
        return PurchasePage(order, finders.supplier_by_code(session, order.supplier_code).name,
                            purchasing.receiving_document(session, number), receipts, supplier_invoices)


# -- actions -------------------------------------------------------------------------------------


def new_purchase_order(engine: Engine, supplier: str, warehouse: str, lines: Sequence[LineInput]) -> str:
    """Lines as the console's item form gives them; a line without a price takes the supplier's."""
    with transaction(engine) as session:
        order = purchasing.create_purchase_order(
            session, supplier, warehouse, [PurchaseLineInput(line.sku, line.quantity, line.unit_price) for line in lines]
        )
    return order.number


def order_requisition(engine: Engine, sales_order: str) -> str:
    with transaction(engine) as session:
        created = buy_to_order.order_requirements(session, sales_order)
        if not created:
            raise InvalidInput(f"{sales_order} needs nothing bought: its buy-to-order lines are on purchase orders")
    return f"{len(created)} purchase order(s) for {sales_order}: {', '.join(order.number for order in created)}"


def close_purchase_order(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        purchasing.close_purchase_order(session, number)
    return f"{number} closed: what was not delivered is no longer on order"


def cancel_purchase_order(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        purchasing.cancel_purchase_order(session, number)
    return f"{number} cancelled"


def enter_supplier_invoice(engine: Engine, po_number: str, invoice_number: str, lines: Sequence[InvoiceLineInput]) -> str:
    """The supplier's invoice against the order: approved when it matches (price and what was
    received), held with the reasons otherwise (a held invoice is recorded, not refused)."""
    with transaction(engine) as session:
        order = finders.purchase_order_by_number(session, po_number)
        supplier = session.get(Partner, order.supplier_id).code
        check = invoices.check_supplier_invoice(session, supplier, invoice_number, po_number, lines)
    if check.reasons:
        return f"invoice {check.number} held: {'; '.join(check.reasons)}"
    return f"invoice {check.number} approved"


def release_supplier_invoice(engine: Engine, operator: str, po_number: str, invoice_number: str, reason: str) -> str:
    with transaction(engine) as session:
        order = finders.purchase_order_by_number(session, po_number)
        invoices.release_supplier_invoice(session, session.get(Partner, order.supplier_id).code, invoice_number,
                                          operator=operator, reason=reason)
    return f"invoice {invoice_number.strip()} released by {operator}: {reason.strip()}"


def reorder_suggestions(engine: Engine) -> list[replenishment.PurchaseSuggestion]:
    with reading(engine) as session:
        return replenishment.purchase_suggestions(session)

"""What a supervisor does at the console: each function is one action in its own transaction,
through the same services the floor and the tests use, and says in one line what happened.
A refused action raises the service's WmsError and the transaction keeps nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import select

from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.outbound import cents
from wms_tui.domain.quantities import display
from wms_tui.services.inbound import replenishment
from wms_tui.services.outbound import allocation, invoicing, orders, returns
from wms_tui.services.outbound.common import order_policy
from wms_tui.services.outbound.orders import LineInput
from wms_tui.store import finders
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import SalesReturnLine
from wms_tui.store.session import transaction

SCRAP = "scrap"


def new_order(engine: Engine, customer: str, warehouse: str, lines: Sequence[LineInput], *, quote: bool = False) -> str:
    with transaction(engine) as session:
        order = orders.create_order(session, customer, warehouse, lines, quote=quote)
        return order.number


def confirm(engine: Engine, numbers: Sequence[str]) -> str:
    with transaction(engine) as session:
        results = orders.confirm_orders(session, numbers)
    backordered = sum(1 for result in results for line in result.lines if line.backordered > 0)
    note = f", {backordered} line(s) back ordered" if backordered else ""
    return f"confirmed {', '.join(result.order_number for result in results)}{note}"


def set_policy(engine: Engine, number: str, policy: str) -> str:
    """The order's own back-order policy; empty: the customer's again."""
    with transaction(engine) as session:
        orders.set_policy(session, number, policy)
        shown = order_policy(session, finders.sales_order_by_number(session, number)).value
    return f"{number}: back orders {shown}" + ("" if policy.strip() else " (the customer's policy)")


def allocate(engine: Engine, numbers: Sequence[str]) -> str:
    with transaction(engine) as session:
        result = allocation.allocate(session, numbers)
    parts = [f"{len(result.task_ids)} pick task(s) for {display(result.reserved_quantity)} units"]
    if result.unallocated:
        parts.append(f"{len(result.unallocated)} line(s) found no pickable stock")
    if result.held_orders:
        parts.append(f"held (ship complete): {', '.join(result.held_orders)}")
    return "; ".join(parts)


def cancel(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        orders.cancel_order(session, number)
    return f"{number} cancelled"


def reopen(engine: Engine, context: PostingContext, number: str) -> str:
    with transaction(engine) as session:
        result = orders.reopen_order(session, context, number)
    if not result.reopened:  # kept: the supervisor's exception says what is missing
        return f"{number} not re-opened: {'; '.join(result.missing)} (stock exception {result.exception_id})"
    return f"{number} re-opened: its moves are reversed, it is a draft again"


def close(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        orders.close_order(session, number)
    return f"{number} closed"


def invoice(engine: Engine, number: str) -> str:
    with transaction(engine) as session:
        document = invoicing.invoice_order(session, number)
        return f"invoice {document.number} for {cents(document.total)}, due {document.due_on}"


def record_payment(engine: Engine, invoice_number: str, amount: str, reference: str = "") -> str:
    with transaction(engine) as session:
        payment = invoicing.record_payment(session, invoice_number, amount, reference=reference)
        status = invoicing.invoice_payment_status(session, invoice_number)
        return f"payment of {cents(payment.amount)} on {invoice_number}: {status.value}"


@dataclass(frozen=True)
class ReturnRequest:
    sku: str
    quantity: str
    condition: str
    disposition: str  # a stock bin code to restock into, or SCRAP
    lot_code: str | None = None
    credit_note: bool = True


def take_return(engine: Engine, context: PostingContext, number: str, request: ReturnRequest) -> str:
    """Take back shipped units, restock them (a put-back task) or scrap them, and credit them:
    all in one transaction, so a refused restock bin keeps no half return."""
    disposition = request.disposition.strip()
    if not disposition:
        raise InvalidInput(f"say where the returned units go: a stock bin, or {SCRAP}")
    with transaction(engine) as session:
        document = returns.receive_return(
            session, context, number, [returns.ReturnInput(request.sku, request.quantity, request.condition, request.lot_code)]
        )
        outcome = []
        for line in session.exec(select(SalesReturnLine).where(SalesReturnLine.return_id == document.id)):
            if disposition.lower() == SCRAP:
                returns.scrap(session, context, line.id)
                outcome.append("scrapped")
            else:
                task_id = returns.restock(session, line.id, disposition.upper())
                outcome.append(f"put-back task {task_id} to {disposition.upper()}")
        if request.credit_note:
            note = returns.issue_credit_note(session, document.number)
            outcome.append(f"credit note {note.number} for {cents(note.total)}")
        return f"return {document.number}: {', '.join(outcome)}"


def order_reorder_suggestions(engine: Engine) -> str:
    """Every reorder suggestion becomes a purchase order line, one order per supplier and
    warehouse, read and ordered in one transaction so nothing is ordered twice."""
    with transaction(engine) as session:
        suggestions = replenishment.purchase_suggestions(session)
        if not suggestions:
            raise InvalidInput("no item is below its reorder minimum: nothing to order")
        created = replenishment.order_suggestions(session, suggestions)
    return f"{len(created)} purchase order(s) for {len(suggestions)} item(s): {', '.join(order.number for order in created)}"

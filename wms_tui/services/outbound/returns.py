"""Customer returns: receive into the warehouse's Returns location with a condition, then
restock (a put-back task) or scrap; a credit note refunds the returned units at invoice terms."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, or_
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind, code_from_barcode
from wms_tui.domain.outbound import (
    RESTOCKABLE_CONDITIONS,
    OrderState,
    ReturnCondition,
    line_amount,
    reason_code,
)
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import CreditNoteState, ReturnDisposition, TaskKind
from wms_tui.services import catalog, tasks
from wms_tui.services.inbound.common import with_terminal
from wms_tui.services.outbound.common import (
    order_lines,
    resolve_lot,
    returns_location,
    warehouse_zones,
)
from wms_tui.services.posting import post
from wms_tui.services.tasks import NewTask
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    CreditNote,
    Item,
    Location,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    StockMove,
    Warehouse,
)


@dataclass(frozen=True)
class ReturnInput:
    sku: str
    quantity: object
    condition: str
    lot_code: str | None = None


def returned_by_line(session: Session, line_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(
        select(SalesReturnLine.order_line_id, func.sum(SalesReturnLine.quantity))
        .where(SalesReturnLine.order_line_id.in_(line_ids), SalesReturnLine.disposition != ReturnDisposition.VOID)
        .group_by(SalesReturnLine.order_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in rows}


def returnable(session: Session, order: SalesOrder) -> dict[tuple[int, int | None], Decimal]:
    """Units the customer holds per order line and lot, from the ledger: delivered on the order
    (shipped, or picked straight to the customer) less what came back."""
    moves = StockMove.__table__
    customers = set(session.exec(select(Location.id).where(Location.kind == LocationKind.CUSTOMER)).all())
    held: dict[tuple[int, int | None], Decimal] = defaultdict(Decimal)
    for line_id, lot_id, to_location_id, quantity in session.execute(
        select(moves.c.document_line_id, moves.c.lot_id, moves.c.to_location_id, moves.c.quantity)
        .where(moves.c.document_ref == order.number,
               or_(moves.c.to_location_id.in_(customers), moves.c.from_location_id.in_(customers)))
    ):
        held[(line_id, lot_id)] += quantity if to_location_id in customers else -quantity
    return held


def receive_return(session: Session, context: PostingContext, order_number: str, items: Sequence[ReturnInput]) -> SalesReturn:
    """Take back shipped units of an order into Returns; never more than was shipped."""
    order = finders.sales_order_by_number(session, order_number)
    if order.state not in (OrderState.CONFIRMED, OrderState.CLOSED):
        raise InvalidInput(f"sales order {order.number} is {order.state}: nothing was shipped to return")
    if not items:
        raise InvalidInput("a return needs at least one line")
    lines = order_lines(session, order.id)
    held = returnable(session, order)
    place = returns_location(session, session.get(Warehouse, order.warehouse_id))
    customers = catalog.shared_location(session, "CUSTOMERS")
    count = session.execute(select(func.count()).select_from(SalesReturn).where(SalesReturn.order_id == order.id)).scalar_one()
    document = SalesReturn(number=with_terminal(session, f"{order.number}/RET-{count + 1}"), order_id=order.id,
                           warehouse_id=order.warehouse_id, operator=context.operator, created_at=datetime.now(UTC))
    session.add(document)
    session.flush()
    requests = []
    for entry in items:
        item = finders.item_by_sku(session, entry.sku)
        quantity = quantities.move_quantity(entry.quantity)
        condition = reason_code(entry.condition, ReturnCondition, "return condition")
        lot = resolve_lot(session, item, entry.lot_code)
        candidates = [line for line in lines if line.item_id == item.id]
        if not candidates:
            raise InvalidInput(f"item {item.sku} is not on sales order {order.number}")
        lot_id = lot.id if lot else None
        what = f"{item.sku}" + (f" lot {lot.code}" if lot else "")
        line = next((c for c in candidates if held[(c.id, lot_id)] >= quantity), None)
        if line is None:
            left = sum((held[(c.id, lot_id)] for c in candidates), ZERO)
            raise InvalidInput(f"only {display(left)} {what} shipped on {order.number} and not yet returned; {display(quantity)} is too many")
        held[(line.id, lot_id)] -= quantity
        session.add(SalesReturnLine(return_id=document.id, order_line_id=line.id, item_id=item.id,
                                    lot_id=lot.id if lot else None, quantity=quantity, condition=condition))
        requests.append(MoveRequest(item.id, customers.id, place.id, quantity, lot_id=lot.id if lot else None,
                                    document_ref=order.number, document_line_id=line.id, reason=MoveReason.RETURN))
    post(session, context, requests)
    return document


def _pending_line(session: Session, return_line_id: int) -> tuple[SalesReturnLine, SalesOrder]:
    line = session.get(SalesReturnLine, return_line_id)
    if line is None:
        raise NotFound(f"no return line {return_line_id}")
    if line.disposition != ReturnDisposition.PENDING:
        raise InvalidInput(f"return line {return_line_id} is already {line.disposition}")
    document = session.get(SalesReturn, line.return_id)
    return line, session.get(SalesOrder, document.order_id)


def restock(session: Session, return_line_id: int, target_location_code: str) -> int:
    """Queue a putaway task that brings returned units from Returns back to a stock bin; only
    units fit to sell again (reference 002: restocked if not damaged)."""
    line, order = _pending_line(session, return_line_id)
    if line.condition not in RESTOCKABLE_CONDITIONS:
        raise InvalidInput(f"return line {return_line_id} came back {line.condition}: it cannot be restocked, scrap it")
    target = finders.location_by_code(session, target_location_code)
    zones = warehouse_zones(session, order.warehouse_id)
    if target.kind != LocationKind.INTERNAL or target.warehouse_id != order.warehouse_id or not target.code.startswith(f"{zones.stock.code}"):
        raise InvalidInput(f"restock into a bin of {zones.stock.code}, not {target.code}")
    source = returns_location(session, zones.warehouse)
    [task_id] = tasks.create_tasks(
        session,
        [NewTask(TaskKind.PUTAWAY, order.warehouse_id, location_id=source.id, target_location_id=target.id,
                 item_id=line.item_id, lot_id=line.lot_id, quantity=line.quantity, document_ref=order.number,
                 document_line_id=line.order_line_id, reason=MoveReason.RESTOCK)],
    )
    line.disposition = ReturnDisposition.RESTOCKING
    line.task_id = task_id
    session.flush()
    return task_id


def confirm_restock(session: Session, context: PostingContext, task_id: int, *, location_scan: str, today: date | None = None) -> SalesReturnLine:
    """The operator put the returned units in the scanned bin: post Returns -> bin."""
    task = tasks.require_claimed(session, task_id, context.operator, TaskKind.PUTAWAY)
    line = session.exec(select(SalesReturnLine).where(SalesReturnLine.task_id == task.id)).first()
    if line is None:
        raise NotFound(f"task {task_id} is not a restock of a return")
    target = session.get(Location, task.target_location_id)
    scanned = code_from_barcode(location_scan)
    if scanned != target.code:
        raise InvalidInput(f"wrong location {scanned}: put the returned units in {target.code}")
    post(
        session, context,
        [MoveRequest(task.item_id, task.location_id, target.id, task.quantity, lot_id=task.lot_id,
                     document_ref=task.document_ref, document_line_id=task.document_line_id, reason=MoveReason.RESTOCK)],
        today=today,
    )
    task.done_quantity = task.quantity
    tasks.complete_task(session, task)
    line.disposition = ReturnDisposition.RESTOCKED
    session.flush()
    return line


def scrap(session: Session, context: PostingContext, return_line_id: int) -> SalesReturnLine:
    """Returned units not fit to sell: Returns -> Scrap."""
    line, order = _pending_line(session, return_line_id)
    source = returns_location(session, session.get(Warehouse, order.warehouse_id))
    post(
        session, context,
        [MoveRequest(line.item_id, source.id, catalog.shared_location(session, "SCRAP").id, line.quantity,
                     lot_id=line.lot_id, document_ref=order.number, document_line_id=line.order_line_id, reason=MoveReason.SCRAP)],
    )
    line.disposition = ReturnDisposition.SCRAPPED
    session.flush()
    return line


def issue_credit_note(session: Session, return_number: str, *, issued_on: date | None = None) -> CreditNote:
    """Credit the returned units at the order line's price, discount and tax; once per return."""
    document = session.exec(select(SalesReturn).where(SalesReturn.number == return_number.strip())).first()
    if document is None:
        raise NotFound(f"no return {return_number!r}")
    if session.exec(select(CreditNote.id).where(CreditNote.return_id == document.id, CreditNote.state != CreditNoteState.VOID)).first():
        raise InvalidInput(f"return {document.number} already has a credit note")
    lines = session.exec(
        select(SalesReturnLine, SalesOrderLine, Item)
        .join(SalesOrderLine, SalesOrderLine.id == SalesReturnLine.order_line_id)
        .join(Item, Item.id == SalesReturnLine.item_id)
        .where(SalesReturnLine.return_id == document.id, SalesReturnLine.disposition != ReturnDisposition.VOID)
    ).all()
    if not lines:
        raise InvalidInput(f"return {document.number} has nothing to credit")
    subtotal = tax = ZERO
    for returned, order_line, _item in lines:
        amount = line_amount(returned.quantity, order_line.unit_price, order_line.discount_percent, order_line.tax_rate)
        subtotal += amount.net
        tax += amount.tax
    note = CreditNote(
        number=document.number.replace("/RET-", "/CN-"), order_id=document.order_id, return_id=document.id,
        issued_on=issued_on or datetime.now(UTC).date(), subtotal=subtotal, tax_total=tax, total=subtotal + tax,
        created_at=datetime.now(UTC),
    )
    session.add(note)
    session.flush()
    return note

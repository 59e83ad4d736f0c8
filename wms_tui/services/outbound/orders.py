"""Sales orders: quotes, orders, confirmation against stock, cancel and re-open, derived status."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, tuple_, update
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.locations import LocationKind
from wms_tui.domain.outbound import (
    DerivedStatus,
    LineDemand,
    LineProgress,
    OrderState,
    backorder_policy,
    derive_status,
    percent,
    plan_commitment,
)
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import (
    ContainerState,
    CreditNoteState,
    InvoiceState,
    PartnerKind,
    PaymentState,
    ReturnDisposition,
    StockExceptionKind,
    TaskKind,
)
from wms_tui.services import stock_exceptions, tasks
from wms_tui.services.backorders import release_waiting
from wms_tui.services.outbound.common import order_headers, order_lines
from wms_tui.services.posting import reverse
from wms_tui.store import finders, queries, views, writes
from wms_tui.store.db import lock_stock_of_items
from wms_tui.store.ledger import PostingContext, standing_moves
from wms_tui.store.models import (
    NO_CONTAINER,
    NO_LOT,
    CreditNote,
    CustomerProfile,
    Invoice,
    Item,
    Location,
    Partner,
    Payment,
    SalesOrder,
    SalesOrderLine,
    SalesReturn,
    SalesReturnLine,
    ShippingContainer,
    StockBalance,
    StockMove,
    Task,
)

CHUNK = 5000


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: object
    unit_price: object = "0"
    discount_percent: object = "0"
    tax_rate: object = "0"


@dataclass(frozen=True)
class ConfirmedLine:
    line_id: int
    sku: str
    quantity: Decimal
    committed: Decimal
    backordered: Decimal
    cancelled: Decimal


@dataclass(frozen=True)
class ConfirmResult:
    order_number: str
    state: OrderState
    lines: list[ConfirmedLine]


def _today() -> date:
    return datetime.now(UTC).date()


def _active_customer(session: Session, code: str) -> Partner:
    row = finders.customer_by_code(session, code)
    if not row.active:
        raise InvalidInput(f"customer {row.code} is inactive: no new orders")
    return row


def _next_number(session: Session) -> str:
    last = session.execute(select(func.coalesce(func.max(SalesOrder.id), 0))).scalar_one()
    return f"SO-{last + 1:06d}"


def _line(session: Session, order_id: int, line: LineInput) -> SalesOrderLine:
    item = finders.item_by_sku(session, line.sku)
    if not item.active:
        raise InvalidInput(f"item {item.sku} is archived and cannot be sold")
    return SalesOrderLine(
        order_id=order_id,
        item_id=item.id,
        quantity=quantities.move_quantity(line.quantity),
        unit_price=quantities.unit_cost(line.unit_price),
        discount_percent=percent(line.discount_percent, f"discount of {item.sku}"),
        tax_rate=percent(line.tax_rate, f"tax rate of {item.sku}"),
    )


def create_order(
    session: Session,
    customer_code: str,
    warehouse_code: str,
    lines: Sequence[LineInput],
    *,
    number: str | None = None,
    quote: bool = False,
    policy: str | None = None,
    freight: object = "0",
    created_at: datetime | None = None,
) -> SalesOrder:
    """A quote or an order (draft until confirmed). Every line is checked before anything is kept."""
    customer = _active_customer(session, customer_code)
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    if not lines:
        raise InvalidInput("an order needs at least one line")
    number = finders.normal_code(number or _next_number(session))
    if finders.find_sales_order(session, number):
        raise InvalidInput(f"sales order {number} already exists")
    order = SalesOrder(
        number=number,
        customer_id=customer.id,
        warehouse_id=warehouse.id,
        state=(OrderState.QUOTE if quote else OrderState.DRAFT).value,
        created_at=created_at or datetime.now(UTC),
        backorder_policy=backorder_policy(policy).value if policy else None,
        freight=quantities.unit_cost(freight),
    )
    session.add(order)
    session.flush()
    session.add_all([_line(session, order.id, line) for line in lines])
    session.flush()
    return order


def confirm_orders(session: Session, order_numbers: Sequence[str], *, today: date | None = None) -> list[ConfirmResult]:
    """Confirm orders oldest first: validate them, then commit stock by each order's back-order
    policy. Done in bulk so a morning's orders confirm in one transaction."""
    today = today or _today()
    orders = order_headers(session, [number.strip() for number in order_numbers])
    for order in orders:
        if order.state == OrderState.QUOTE:
            raise InvalidInput(f"sales order {order.number} is a quote: convert it to an order first")
        if order.state != OrderState.DRAFT:
            raise InvalidInput(f"sales order {order.number} is {order.state}: only a draft order can be confirmed")
    order_ids = [order.id for order in orders]
    lines_by_order = views.lines_to_confirm(session, order_ids)
    customers = {
        partner.id: (partner, profile)
        for partner, profile in session.exec(
            select(Partner, CustomerProfile)
            .outerjoin(CustomerProfile, CustomerProfile.partner_id == Partner.id)
            .where(Partner.id.in_({order.customer_id for order in orders}))
        )
    }
    item_ids = sorted({row.item_id for rows in lines_by_order.values() for row in rows})
    items = {}
    for start in range(0, len(item_ids), CHUNK):
        items.update({
            item.id: item
            for item in session.execute(select(Item.id, Item.sku, Item.active).where(Item.id.in_(item_ids[start : start + CHUNK])))
        })
    for order in orders:
        partner, profile = customers[order.customer_id]
        if profile is None or partner.kind != PartnerKind.CUSTOMER:
            raise InvalidInput(f"sales order {order.number}: {partner.code} is not a customer")
        if not partner.active:
            raise InvalidInput(f"sales order {order.number}: customer {partner.code} is inactive")
        if not lines_by_order[order.id]:
            raise InvalidInput(f"sales order {order.number} has no lines")
        for row in lines_by_order[order.id]:
            item = items.get(row.item_id)
            if item is None or not item.active:
                raise InvalidInput(f"sales order {order.number}: item id {row.item_id} is unknown or archived")
            if row.quantity <= 0:
                raise InvalidInput(f"sales order {order.number}: quantity of {item.sku} must be greater than zero")
            if row.unit_price < 0:
                raise InvalidInput(f"sales order {order.number}: price of {item.sku} cannot be negative")
    coverable: dict[tuple[int, int], Decimal] = {}
    for warehouse_id in {order.warehouse_id for order in orders}:
        wanted = {row.item_id for order in orders if order.warehouse_id == warehouse_id for row in lines_by_order[order.id]}
        lock_stock_of_items(session.connection(), warehouse_id, wanted)
        for item_id, figures in queries.availability_by_item(session.connection(), warehouse_id, wanted, today).items():
            coverable[(warehouse_id, item_id)] = figures.available
    now = datetime.now(UTC)
    line_updates, order_updates, results = [], [], []
    for order in orders:
        rows = lines_by_order[order.id]
        policy = backorder_policy(order.backorder_policy or customers[order.customer_id][1].backorder_policy)
        free = {row.item_id: coverable[(order.warehouse_id, row.item_id)] for row in rows}
        plan = plan_commitment(policy, [LineDemand(row.id, row.item_id, row.quantity) for row in rows], free)
        confirmed_lines = []
        for row, commitment in zip(rows, plan, strict=True):
            # Back-ordered units are promised too: later orders must not take them.
            coverable[(order.warehouse_id, row.item_id)] -= commitment.committed + commitment.backordered
            line_updates.append(
                {
                    "b_id": row.id,
                    "b_committed": commitment.committed,
                    "b_backordered": commitment.backordered,
                    "b_cancelled": commitment.cancelled,
                }
            )
            confirmed_lines.append(
                ConfirmedLine(row.id, items[row.item_id].sku, row.quantity, commitment.committed, commitment.backordered, commitment.cancelled)
            )
        state = OrderState.CANCELLED if all(line.cancelled == line.quantity for line in confirmed_lines) else OrderState.CONFIRMED
        order_updates.append({"b_id": order.id, "b_state": state.value, "b_at": now})
        results.append(ConfirmResult(order.number, state, confirmed_lines))
    writes.confirm_orders(session, line_updates, order_updates)
    session.expire_all()
    return results


def confirm_order(session: Session, order_number: str, *, today: date | None = None) -> ConfirmResult:
    return confirm_orders(session, [order_number], today=today)[0]


def _processed(session: Session, order: SalesOrder) -> str | None:
    """What has happened to the order already, in words; None if nothing."""
    if standing_moves(session.connection(), order.number):
        return "stock has moved for it"
    if session.exec(select(Invoice.id).where(Invoice.order_id == order.id, Invoice.state != InvoiceState.VOID).limit(1)).first():
        return "it was invoiced"
    if session.exec(select(ShippingContainer.container_id).where(ShippingContainer.order_id == order.id, ShippingContainer.state != ContainerState.VOID).limit(1)).first():
        return "containers were packed for it"
    return None


def _drop_open_work(session: Session, order: SalesOrder, lines: list[SalesOrderLine]) -> None:
    line_ids = [line.id for line in lines]
    writes.drop_reservations_of_lines(session, line_ids)
    open_tasks = session.exec(
        select(Task.id).where(Task.document_ref == order.number, Task.kind.in_([TaskKind.PICK, TaskKind.PUTAWAY]))
    ).all()
    tasks.cancel_tasks(session, list(open_tasks))


def cancel_order(session: Session, order_number: str, *, today: date | None = None) -> SalesOrder:
    """Cancel an order nothing was done for yet; its committed stock goes to waiting back orders."""
    order = finders.sales_order_by_number(session, order_number)
    if order.state in (OrderState.CANCELLED, OrderState.CLOSED):
        raise InvalidInput(f"sales order {order.number} is already {order.state}")
    done = _processed(session, order)
    if done:
        raise InvalidInput(f"sales order {order.number} cannot be cancelled: {done}; re-open it instead")
    lines = order_lines(session, order.id)
    _drop_open_work(session, order, lines)
    for line in lines:
        line.cancelled_quantity = line.quantity - line.shipped_quantity
        line.committed_quantity = ZERO
        line.backordered_quantity = ZERO
    order.state = OrderState.CANCELLED
    session.flush()
    release_waiting(session, order.warehouse_id, [line.item_id for line in lines], today or _today())
    return order


@dataclass(frozen=True)
class ReopenResult:
    order_number: str
    reopened: bool
    # When the re-open would take back stock that is no longer there: what is missing, and the
    # exception a supervisor now has to resolve (nothing was reversed).
    missing: list[str]
    exception_id: int | None = None


def _missing_for_reversal(session: Session, move_ids: list) -> list[str]:
    """What reversing these moves would take from internal locations that no longer hold it
    (returned units restocked and sold again, say), in words; empty when all is there."""
    moves = StockMove.__table__
    change: dict[tuple[int, int, int, int], Decimal] = defaultdict(Decimal)
    for start in range(0, len(move_ids), CHUNK):
        for move in session.execute(select(moves).where(moves.c.id.in_(move_ids[start : start + CHUNK]))):
            lot, container = move.lot_id or NO_LOT, move.container_id or NO_CONTAINER
            change[(move.item_id, move.to_location_id, lot, container)] -= move.quantity
            change[(move.item_id, move.from_location_id, lot, container)] += move.quantity
    taken = [key for key, delta in change.items() if delta < 0]
    if not taken:
        return []
    internal = set(session.exec(select(Location.id).where(
        Location.id.in_({key[1] for key in taken}), Location.kind == LocationKind.INTERNAL
    )).all())
    taken = [key for key in taken if key[1] in internal]
    held = {
        (row.item_id, row.location_id, row.lot_id, row.container_id): row.quantity
        for row in session.exec(select(StockBalance).where(
            tuple_(StockBalance.item_id, StockBalance.location_id, StockBalance.lot_id, StockBalance.container_id).in_(taken)
        )).all()
    } if taken else {}
    missing = []
    for key in taken:
        short = -change[key] - held.get(key, ZERO)
        if short > 0:
            item, location = session.get(Item, key[0]), session.get(Location, key[1])
            missing.append(f"{location.code}: {display(short)} {item.sku} no longer there")
    return sorted(missing)


def reopen_order(session: Session, context: PostingContext, order_number: str, *, today: date | None = None) -> ReopenResult:
    """Undo everything done for a confirmed order, leaving the order as it was entered.

    Every move of the order is reversed by a reversing move (the ledger keeps both); invoices,
    payments, containers, returns and credit notes are voided; open tasks are cancelled. Stock
    that is no longer where the order's moves left it is never reversed: then nothing is done,
    and a stock exception tells a supervisor what is missing.
    """
    order = finders.sales_order_by_number(session, order_number)
    if order.state != OrderState.CONFIRMED:
        raise InvalidInput(f"sales order {order.number} is {order.state}: only a confirmed order can be re-opened")
    live = standing_moves(session.connection(), order.number)
    missing = _missing_for_reversal(session, live)
    if missing:
        exception = stock_exceptions.raise_exception(
            session, StockExceptionKind.REOPEN_SHORT, order.warehouse_id,
            f"re-open of {order.number} refused: " + "; ".join(missing), document_ref=order.number, move_ids=live,
        )
        return ReopenResult(order.number, False, missing, exception.id)
    reverse(session, context, live, MoveReason.REOPEN, today=today)
    lines = order_lines(session, order.id)
    _drop_open_work(session, order, lines)
    invoice_ids = session.exec(select(Invoice.id).where(Invoice.order_id == order.id)).all()
    session.execute(update(Payment).where(Payment.invoice_id.in_(invoice_ids)).values(state=PaymentState.VOID))
    session.execute(update(Invoice).where(Invoice.order_id == order.id).values(state=InvoiceState.VOID))
    session.execute(update(CreditNote).where(CreditNote.order_id == order.id).values(state=CreditNoteState.VOID))
    return_ids = session.exec(select(SalesReturn.id).where(SalesReturn.order_id == order.id)).all()
    session.execute(update(SalesReturnLine).where(SalesReturnLine.return_id.in_(return_ids)).values(disposition=ReturnDisposition.VOID))
    session.execute(update(ShippingContainer).where(ShippingContainer.order_id == order.id).values(state=ContainerState.VOID))
    for line in lines:
        line.committed_quantity = ZERO
        line.backordered_quantity = ZERO
        line.cancelled_quantity = ZERO
        line.picked_quantity = ZERO
        line.shipped_quantity = ZERO
    order.state = OrderState.DRAFT
    order.confirmed_at = None
    session.flush()
    session.expire_all()
    release_waiting(session, order.warehouse_id, [line.item_id for line in lines], today or _today())
    return ReopenResult(order.number, True, [])


def close_order(session: Session, order_number: str) -> SalesOrder:
    """Close a fulfilled order: nothing is left to ship or wait for."""
    order = finders.sales_order_by_number(session, order_number)
    if order.state != OrderState.CONFIRMED:
        raise InvalidInput(f"sales order {order.number} is {order.state}: only a confirmed order can be closed")
    open_lines = [line for line in order_lines(session, order.id) if line.committed_quantity > 0 or line.backordered_quantity > 0]
    if open_lines:
        raise InvalidInput(f"sales order {order.number} still has {len(open_lines)} line(s) to ship: ship or cancel them first")
    order.state = OrderState.CLOSED
    session.flush()
    return order


def set_policy(session: Session, order_number: str, policy: str | None) -> SalesOrder:
    """Override the customer's back-order policy for this order (None or empty: the customer's
    again). On a quote or draft it decides what confirming commits; on a confirmed order it
    decides what happens next (holds at allocation, short picks, back orders released), while
    what was committed or cancelled at confirmation stays as it is."""
    order = finders.sales_order_by_number(session, order_number)
    if order.state in (OrderState.CANCELLED, OrderState.CLOSED):
        raise InvalidInput(f"sales order {order.number} is {order.state}: its back-order policy no longer matters")
    order.backorder_policy = backorder_policy(policy.strip()).value if policy and policy.strip() else None
    session.flush()
    return order


def money_totals(session: Session, order_id: int) -> tuple[Decimal, Decimal]:
    """(invoiced, paid) over the order's valid invoices."""
    invoiced = session.execute(
        select(func.coalesce(func.sum(Invoice.total), 0)).where(Invoice.order_id == order_id, Invoice.state != InvoiceState.VOID)
    ).scalar_one()
    paid = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Invoice.order_id == order_id, Invoice.state != InvoiceState.VOID, Payment.state == PaymentState.POSTED)
    ).scalar_one()
    return Decimal(invoiced), Decimal(paid)


def line_progress(session: Session, order: SalesOrder) -> list[LineProgress]:
    """Where each line of the order stands: ordered, cancelled, picked, shipped, back ordered."""
    return [
        LineProgress(line.quantity, line.cancelled_quantity, line.picked_quantity, line.shipped_quantity, line.backordered_quantity)
        for line in order_lines(session, order.id)
    ]


def order_status(session: Session, order_number: str) -> DerivedStatus:
    order = finders.sales_order_by_number(session, order_number)
    invoiced, paid = money_totals(session, order.id)
    return derive_status(OrderState(order.state), line_progress(session, order), invoiced, paid)

"""Putaway and replenishment tasks: move goods to the scanned bin and push the next step."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput
from wms_tui.domain.inbound import FINAL_ZONE
from wms_tui.domain.quantities import display
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import PENDING_TASK_STATES
from wms_tui.services import tasks
from wms_tui.services.inbound import routes
from wms_tui.services.inbound.bins import check_capacity, suggest_putaway
from wms_tui.services.inbound.common import (
    carry_reservations,
    require_internal_bin,
    take_stock,
    zone,
)
from wms_tui.services.posting import post
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    Lot,
    Receipt,
    ReceiptLine,
    StockBalance,
    Task,
    Warehouse,
)


@dataclass(frozen=True)
class MoveTaskResult:
    task_id: int
    moved: Decimal
    to_code: str
    done: bool
    next_task_id: int | None


def _check_destination(session: Session, task: Task, warehouse: Warehouse, target: Location) -> None:
    planned = session.get(Location, task.target_location_id) if task.target_location_id else None
    if task.kind == tasks.TaskKind.REPLENISH:
        if planned is not None and target.id != planned.id:
            raise InvalidInput(f"replenishment goes to pick face {planned.code}, not {target.code}")
        return
    if planned is not None and routes.zone_name(warehouse, planned) not in (None, FINAL_ZONE):
        # A route step (Input -> QC) is not a choice of bin: the goods must pass through QC.
        if target.id != planned.id:
            raise InvalidInput(f"these goods go to {planned.code} first (receipt route), not {target.code}")
        return
    stock = zone(session, warehouse, FINAL_ZONE)
    if not target.code.startswith(stock.code + "/"):
        raise InvalidInput(f"put away into a bin of {stock.code}; {target.code} is not one")


@dataclass(frozen=True)
class PutawayStart:
    """What the operator is told when a putaway or refill begins: "Take 12 W-1 from WH1/INPUT
    to WH1/STOCK/A-01-01 (bin already holds this item)"."""

    task_id: int
    sku: str
    quantity: Decimal
    from_code: str
    to_code: str | None  # None: no bin fits, the operator chooses one
    reason: str


def start_putaway(session: Session, task_id: int, operator: str) -> PutawayStart:
    """Claim a putaway or replenish task; a putaway into Stock gets its bin suggested now, from
    the stock as it is at this moment."""
    task = tasks.claim_task(session, task_id, operator)
    if task.kind not in (tasks.TaskKind.PUTAWAY, tasks.TaskKind.REPLENISH):
        raise InvalidInput(f"task {task_id} is a {task.kind} task, not a putaway or replenishment")
    warehouse = session.get(Warehouse, task.warehouse_id)
    item = session.get(Item, task.item_id)
    planned = session.get(Location, task.target_location_id) if task.target_location_id else None
    is_route_step = planned is not None and routes.zone_name(warehouse, planned) is not None
    if task.kind == tasks.TaskKind.PUTAWAY and not is_route_step:
        lot = session.get(Lot, task.lot_id) if task.lot_id else None
        suggestion = suggest_putaway(session, warehouse, item, lot, task.quantity - task.done_quantity, task_id=task.id)
        task.target_location_id = suggestion.location_id if suggestion else None
        task.reason = suggestion.reason.value if suggestion else "no bin fits: choose one"
        planned = session.get(Location, suggestion.location_id) if suggestion else None
        session.flush()
    return PutawayStart(
        task.id, item.sku, task.quantity - task.done_quantity, session.get(Location, task.location_id).code,
        planned.code if planned else None, task.reason,
    )


def _received_on(session: Session, task: Task) -> int | None:
    """The pallet a receipt line arrived on: its putaway moves that pallet, not loose stock."""
    if task.document_line_id is None:
        return None
    line = session.exec(
        select(ReceiptLine).join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .where(ReceiptLine.id == task.document_line_id, Receipt.number == task.document_ref)
    ).first()
    return line.container_id if line else None


def complete_move_task(
    session: Session, context: PostingContext, task_id: int, scanned_bin: str, quantity: object | None = None
) -> MoveTaskResult:
    """Do a claimed putaway or replenishment task: move (part of) it to the bin scanned, which
    may differ from the suggestion if it is a valid bin."""
    task = tasks.require_claimed(session, task_id, context.operator)
    if task.kind not in (tasks.TaskKind.PUTAWAY, tasks.TaskKind.REPLENISH):
        raise InvalidInput(f"task {task_id} is a {task.kind} task, not a putaway or replenishment")
    warehouse = session.get(Warehouse, task.warehouse_id)
    item = session.get(Item, task.item_id)
    target = finders.location_by_code(session, scanned_bin)
    require_internal_bin(target, warehouse.id, f"putting away {item.sku}")
    _check_destination(session, task, warehouse, target)
    remaining = task.quantity - task.done_quantity
    moving = remaining if quantity is None else quantities.move_quantity(quantity)
    if moving > remaining:
        raise InvalidInput(f"task {task_id} has {display(remaining)} {item.sku} left to move, not {display(moving)}")
    if routes.zone_name(warehouse, target) is None:
        check_capacity(session, target, moving)
    source = session.get(Location, task.location_id)
    # Staged receipts may be reserved (buy-to-order, cross-dock) and carry their reservation;
    # a refill only takes free stock from reserve.
    putting_away = task.kind == tasks.TaskKind.PUTAWAY
    portions = take_stock(session, item, source, moving, lot_id=task.lot_id,
                          container_id=_received_on(session, task), include_reserved=putting_away)
    for lot_id in {portion.lot_id for portion in portions}:
        carry_reservations(session, item.id, lot_id, source, target,
                           sum((p.quantity for p in portions if p.lot_id == lot_id), Decimal(0)))
    post(session, context, [
        MoveRequest(
            item_id=item.id, from_location_id=source.id, to_location_id=target.id, quantity=portion.quantity,
            lot_id=portion.lot_id, container_id=portion.container_id, document_ref=task.document_ref,
            document_line_id=task.document_line_id,
            reason=MoveReason.PUTAWAY if putting_away else MoveReason.REPLENISH,
        )
        for portion in portions
    ])
    for container_id in {p.container_id for p in portions if p.container_id is not None}:
        left = session.exec(select(StockBalance.item_id).where(
            StockBalance.container_id == container_id, StockBalance.location_id == source.id, StockBalance.quantity != 0
        )).first()
        if left is None:  # the whole pallet has moved, not just part of its contents
            session.get(Container, container_id).location_id = target.id
    task.done_quantity += moving
    done = task.done_quantity == task.quantity
    if done:
        tasks.complete_task(session, task)
    next_task_id = None
    if putting_away:
        lot = session.get(Lot, task.lot_id) if task.lot_id else None
        next_task_id = routes.after_landing(
            session, warehouse, target, item, lot, moving, task.document_ref, task.document_line_id
        )
    session.flush()
    return MoveTaskResult(task.id, moving, target.code, done, next_task_id)


def open_putaways(session: Session, document_ref: str) -> list[Task]:
    """Putaway tasks of a document not finished yet (for the receiving screen)."""
    return list(session.exec(
        select(Task).where(
            Task.document_ref == document_ref,
            Task.kind == tasks.TaskKind.PUTAWAY.value,
            Task.state.in_(PENDING_TASK_STATES),
        ).order_by(Task.id)
    ).all())

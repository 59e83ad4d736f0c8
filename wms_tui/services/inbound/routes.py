"""Push rules of the receipt routes: goods landing in Input, QC or the Stock zone itself queue
the next move (to QC, or putaway to a suggested bin)."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.inbound import FINAL_ZONE, next_zone
from wms_tui.domain.states import PENDING_TASK_STATES
from wms_tui.services import tasks
from wms_tui.services.inbound.common import zone
from wms_tui.store.models import Item, Location, Lot, Task, Warehouse

STOCK_PENDING = "to Stock: bin suggested at start"


def zone_name(warehouse: Warehouse, location: Location) -> str | None:
    """WH1/INPUT -> "INPUT"; None for a bin or anything that is not a zone of the warehouse."""
    prefix = f"{warehouse.code}/"
    if location.warehouse_id != warehouse.id or not location.code.startswith(prefix):
        return None
    rest = location.code[len(prefix):]
    return None if "/" in rest else rest


def after_landing(
    session: Session,
    warehouse: Warehouse,
    location: Location,
    item: Item,
    lot: Lot | None,
    quantity: Decimal,
    document_ref: str,
    document_line_id: int | None,
) -> int | None:
    """Queue the next step for goods that just arrived at `location`; returns the task id."""
    here = zone_name(warehouse, location)
    if here is None:
        return None  # already in a bin: nothing to push
    following = FINAL_ZONE if here == FINAL_ZONE else next_zone(warehouse.receipt_steps, here)
    if following is None:
        return None
    if following == FINAL_ZONE:
        # The bin is suggested when the putaway starts (putaway.start_putaway), from the stock
        # as it is then: suggesting at the dock would send every pallet to the same empty bin.
        target_id, reason = None, STOCK_PENDING
    else:
        target_id = zone(session, warehouse, following).id
        reason = f"route: to {following}"
    [task_id] = tasks.create_tasks(
        session,
        [tasks.NewTask(
            kind=tasks.TaskKind.PUTAWAY,
            warehouse_id=warehouse.id,
            location_id=location.id,
            target_location_id=target_id,
            item_id=item.id,
            lot_id=lot.id if lot else None,
            quantity=quantity,
            document_ref=document_ref,
            document_line_id=document_line_id,
            reason=reason,
        )],
    )
    return task_id


def shorten_pending(session: Session, document_ref: str, document_line_id: int, quantity: Decimal) -> None:
    """Goods taken out of the flow (cross-dock) no longer need their queued putaway."""
    pending = session.exec(
        select(Task).where(
            Task.document_ref == document_ref,
            Task.document_line_id == document_line_id,
            Task.kind == tasks.TaskKind.PUTAWAY.value,
            Task.state.in_(PENDING_TASK_STATES),
        ).order_by(Task.id)
    ).all()
    remaining = quantity
    for task in pending:
        if remaining <= 0:
            break
        take = min(task.quantity - task.done_quantity, remaining)
        task.quantity -= take
        remaining -= take
        session.flush()
        if task.quantity == task.done_quantity:
            tasks.cancel_tasks(session, [task.id])

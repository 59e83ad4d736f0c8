"""Restocking at a terminal: the putaway or refill a scanned item is for, and starting a move
task (a putaway, a pick-face refill or a returned item going back to stock) with its bin."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services import task_queue, tasks
from wms_tui.services.inbound.pallets import pallet_of
from wms_tui.services.inbound.putaway import start_putaway
from wms_tui.services.task_queue import TaskView
from wms_tui.services.tasks import available_to
from wms_tui.store.models import SalesReturnLine, Task

MOVE_KINDS = (TaskKind.PUTAWAY.value, TaskKind.REPLENISH.value)


def next_move_of(session: Session, warehouse_id: int, operator: str, item_id: int) -> Task | None:
    """The next putaway (else refill) of the item: the operator's own first, then the queue."""
    return session.exec(
        select(Task).where(Task.warehouse_id == warehouse_id, Task.item_id == item_id, Task.kind.in_(MOVE_KINDS),
                           available_to(operator))
        .order_by((Task.state == TaskState.CLAIMED.value).desc(), Task.kind, Task.queue_position, Task.id)
    ).first()


@dataclass(frozen=True)
class MoveStart:
    task: TaskView
    to_code: str | None  # None: no bin fits, the operator chooses one
    reason: str  # why that bin
    pallet: str | None  # the received pallet the putaway moves
    returned: bool  # a returned item going back to the bin chosen when it was restocked


def start_move(session: Session, task_id: int, operator: str) -> MoveStart:
    """Claim the task and get its bin: suggested now, from the stock as it is, for a putaway;
    the one chosen for a return."""
    returned = session.exec(select(SalesReturnLine.id).where(SalesReturnLine.task_id == task_id)).first() is not None
    if returned:
        task = tasks.claim_task(session, task_id, operator)
        view = task_queue.view(session, task)
        return MoveStart(view, view.to_code, "return to stock", None, True)
    started = start_putaway(session, task_id, operator)
    task = tasks.get_task(session, task_id)
    return MoveStart(task_queue.view(session, task), started.to_code, started.reason, pallet_of(session, task), False)

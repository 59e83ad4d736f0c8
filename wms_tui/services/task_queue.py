"""What a terminal asks of the task queue: the operator's next task (of a scanned pick list or
order, or of the whole queue), how many wait, and a task as the operator reads it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Session, func, select

from wms_tui.domain.errors import NotFound
from wms_tui.domain.states import PENDING_TASK_STATES, TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.store.models import Item, Location, Lot, Task


@dataclass(frozen=True)
class TaskView:
    """A task with codes and names instead of ids."""

    id: int
    kind: str
    from_code: str | None  # where the goods are (the bin to pick from, the dock)
    to_code: str | None  # where they go, when the task says
    sku: str
    name: str
    left: Decimal  # still to do
    lot: str | None
    expiry: date | None
    tote: str | None
    document_ref: str | None
    batch_ref: str | None  # a cluster batch: its tote is the order's slot


_FROM, _TO, _WAITING = aliased(Location), aliased(Location), aliased(Task)
_VIEW = (
    select(Task.id, Task.kind, Task.quantity, Task.done_quantity, Task.tote, Task.document_ref, Task.batch_ref,
           Item.sku, Item.name, Lot.code, Lot.expiry_date, _FROM.code, _TO.code)
    .select_from(Task)
    .outerjoin(Item, Item.id == Task.item_id).outerjoin(Lot, Lot.id == Task.lot_id)
    .outerjoin(_FROM, _FROM.id == Task.location_id).outerjoin(_TO, _TO.id == Task.target_location_id)
)


def _view_of(row) -> TaskView:
    task_id, kind, quantity, done, tote, document_ref, batch_ref, sku, name, lot, expiry, from_code, to_code = row[:13]
    return TaskView(task_id, kind, from_code, to_code, sku or "", name or "", quantity - done, lot, expiry, tote,
                    document_ref, batch_ref)


def view(session: Session, task: Task) -> TaskView:
    """The task as the operator reads it: its item, lot and places in one read (a claim on the
    floor waits for it)."""
    return view_of_id(session, task.id)


def view_of_id(session: Session, task_id: int) -> TaskView:
    """`view` of a task not read yet."""
    return _view_of(session.exec(_VIEW_OF_ID, params={"task_id": task_id}).one())


def _view_and_waiting(*, of_batch: bool):
    waiting = select(func.count()).select_from(_WAITING).where(
        _WAITING.warehouse_id == bindparam("warehouse_id"), _WAITING.kind == bindparam("kind"),
        _WAITING.state == TaskState.OPEN.value)
    if of_batch:
        waiting = waiting.where(Task.batch_ref.is_(None) | (_WAITING.batch_ref == Task.batch_ref))
    return _VIEW.add_columns(waiting.scalar_subquery()).where(Task.id == bindparam("task_id"))


# Built once: a floor scan waits for each statement, and building one costs as much as running it.
_VIEW_OF_ID = _VIEW.where(Task.id == bindparam("task_id"))
_VIEW_AND_WAITING = {of_batch: _view_and_waiting(of_batch=of_batch) for of_batch in (False, True)}


def view_with_waiting(session: Session, task_id: int, warehouse_id: int, kind: TaskKind, *,
                      of_batch: bool = False) -> tuple[TaskView, int]:
    """The task as the operator reads it and how many open tasks of the kind wait (of its batch
    when `of_batch` and it has one), as `view` and `open_count` tell, in one read."""
    row = session.exec(_VIEW_AND_WAITING[of_batch],
                       params={"task_id": task_id, "warehouse_id": warehouse_id, "kind": kind.value}).one()
    return _view_of(row), row[13]


def open_count(session: Session, warehouse_id: int, kind: TaskKind, *, batch_ref: str | None = None) -> int:
    """Open tasks of the kind waiting in the warehouse (of one batch, when given)."""
    query = select(func.count()).select_from(Task).where(
        Task.warehouse_id == warehouse_id, Task.kind == kind.value, Task.state == TaskState.OPEN.value)
    if batch_ref:
        query = query.where(Task.batch_ref == batch_ref)
    return session.exec(query).one()


_PENDING = select(func.count()).select_from(Task).where(
    Task.kind == bindparam("kind"), Task.document_ref == bindparam("document_ref"), Task.state.in_(PENDING_TASK_STATES))


def pending_count(session: Session, kind: TaskKind, document_ref: str) -> int:
    """Tasks of the kind for a document not done yet (open or claimed)."""
    return session.exec(_PENDING, params={"kind": kind.value, "document_ref": document_ref}).one()


def claim_for(session: Session, operator: str, warehouse_id: int, kind: TaskKind, work_list: str | None) -> Task | None:
    """The operator's next task: one already held (after a restart), else the next of the
    scanned list (a cluster batch or an order), else the next of the queue."""
    task_id = take_for(session, operator, warehouse_id, kind, work_list)
    return None if task_id is None else tasks.get_task(session, task_id)


def take_for(session: Session, operator: str, warehouse_id: int, kind: TaskKind, work_list: str | None, *,
             holding: bool = True) -> int | None:
    """`claim_for` without reading the task back: the id of the operator's next task. `holding`
    False: the caller knows the operator holds no task of the kind (it just finished the one
    it held), so the held tasks are not looked for."""
    if holding:
        held = [task for task in tasks.resume(session, operator, warehouse_id) if task.kind == kind.value]
        if work_list:
            held = [task for task in held if work_list in (task.batch_ref, task.document_ref)]
        if held:
            return held[0].id
    if not work_list:
        return tasks.take_next(session, operator, warehouse_id, kind=kind)
    if session.exec(select(Task.id).where(Task.batch_ref == work_list).limit(1)).first() is not None:
        return tasks.take_next(session, operator, warehouse_id, kind=kind, batch_ref=work_list)
    for task_id in session.exec(
        select(Task.id).where(Task.warehouse_id == warehouse_id, Task.kind == kind.value,
                              Task.state == TaskState.OPEN.value, Task.document_ref == work_list)
        .order_by(Task.queue_position, Task.id)
    ):
        try:
            tasks.take_task(session, task_id, operator)
            return task_id
        except tasks.TaskConflict:
            continue
    return None


def require_work_list(session: Session, warehouse_id: int, kind: TaskKind, reference: str) -> None:
    """Refuse a scanned list that has no such tasks at all, naming it."""
    exists = session.exec(
        select(Task.id).where(Task.warehouse_id == warehouse_id, Task.kind == kind.value,
                              (Task.batch_ref == reference) | (Task.document_ref == reference)).limit(1)
    ).first()
    if exists is None:
        raise NotFound(f"{reference} is not a {kind.value} list or order with {kind.value} tasks")

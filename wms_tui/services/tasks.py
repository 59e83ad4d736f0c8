"""Floor tasks (pick, putaway, replenish, count): one queue per warehouse, claimed by one operator.

A claim is a single conditional UPDATE (`... WHERE state = 'open'`): when two terminals race for
the same task the database lets exactly one of them change the row; the other sees zero rows
changed and is told who has it. This holds on SQLite (writers serialise) and on PostgreSQL (the
second UPDATE waits for the first and re-checks the condition).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from wms_tui.domain.errors import InvalidInput, NotFound, WmsError
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.store import views, writes
from wms_tui.store.models import Task

# How many times claim_next retries when another terminal wins the task it picked.
CLAIM_ATTEMPTS = 20


class TaskConflict(WmsError):
    """The task is not (or no longer) available to this operator."""


@dataclass(frozen=True)
class NewTask:
    kind: TaskKind
    warehouse_id: int
    location_id: int | None = None
    target_location_id: int | None = None
    item_id: int | None = None
    lot_id: int | None = None
    quantity: Decimal = Decimal(0)
    document_ref: str | None = None
    document_line_id: int | None = None
    batch_ref: str | None = None
    tote: str | None = None
    reason: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def _operator(operator: str) -> str:
    if not operator or not operator.strip():
        raise InvalidInput("an operator is required to work on tasks")
    return operator.strip()


def create_tasks(session: Session, new_tasks: Sequence[NewTask]) -> list[int]:
    """Queue tasks at the end of their warehouse's queue, in the order given; returns their ids."""
    if not new_tasks:
        return []
    now = _now()
    positions: dict[int, int] = {}
    rows = []
    for task in new_tasks:
        if task.warehouse_id not in positions:
            positions[task.warehouse_id] = views.last_queue_position(session, task.warehouse_id)
        positions[task.warehouse_id] += 1
        rows.append(
            {
                "kind": task.kind,  # checked by the column's type as the row is stored
                "state": TaskState.OPEN.value,
                "warehouse_id": task.warehouse_id,
                "location_id": task.location_id,
                "target_location_id": task.target_location_id,
                "item_id": task.item_id,
                "lot_id": task.lot_id,
                "quantity": task.quantity,
                "done_quantity": ZERO,
                "queue_position": positions[task.warehouse_id],
                "skip_count": 0,
                "batch_ref": task.batch_ref,
                "tote": task.tote,
                "document_ref": task.document_ref,
                "document_line_id": task.document_line_id,
                "reason": task.reason,
                "created_at": now,
            }
        )
    return writes.insert_tasks(session, rows)


def create_task(session: Session, task: NewTask) -> Task:
    [task_id] = create_tasks(session, [task])
    return session.get(Task, task_id)


def get_task(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id, populate_existing=True)
    if task is None:
        raise NotFound(f"no task {task_id}")
    return task


def claim_task(session: Session, task_id: int, operator: str) -> Task:
    """Claim one task for `operator`; exactly one of several racing operators wins."""
    take_task(session, task_id, operator)
    return get_task(session, task_id)


def take_task(session: Session, task_id: int, operator: str) -> None:
    """`claim_task` without reading the task back: a won claim needs no read (a floor scan
    waits for each statement); a lost one reads the task to say who has it."""
    operator = _operator(operator)
    if writes.claim_task(session, task_id, operator, _now()):
        return
    task = get_task(session, task_id)
    if task.state == TaskState.CLAIMED and task.assignee == operator:
        return
    if task.state == TaskState.CLAIMED:
        raise TaskConflict(f"task {task_id} is already claimed by {task.assignee}")
    if task.state == TaskState.OPEN:
        raise TaskConflict(f"task {task_id} is leased to {task.leased_to or 'no terminal of this database'}: "
                           "this terminal gets its tasks from central")
    raise TaskConflict(f"task {task_id} is {task.state}, not open")


def claim_next(
    session: Session,
    operator: str,
    warehouse_id: int,
    *,
    kind: TaskKind | None = None,
    batch_ref: str | None = None,
) -> Task | None:
    """Claim the first open task of the queue (optionally of one kind or batch); None when empty."""
    task_id = take_next(session, operator, warehouse_id, kind=kind, batch_ref=batch_ref)
    return None if task_id is None else get_task(session, task_id)


def take_next(
    session: Session,
    operator: str,
    warehouse_id: int,
    *,
    kind: TaskKind | None = None,
    batch_ref: str | None = None,
) -> int | None:
    """`claim_next` without reading the task back: the id of the task claimed, None when empty."""
    _operator(operator)
    for _ in range(CLAIM_ATTEMPTS):
        task_id = views.first_open_task(session, warehouse_id, kind, batch_ref)
        if task_id is None:
            return None
        try:
            take_task(session, task_id, operator)
            return task_id
        except TaskConflict:
            continue
    raise TaskConflict("too many terminals are claiming tasks at once: try again")


def _owned(session: Session, task_id: int, operator: str) -> Task:
    return _check_owner(get_task(session, task_id), operator)


def _check_owner(task: Task, operator: str) -> Task:
    operator = _operator(operator)
    if task.state != TaskState.CLAIMED:
        raise TaskConflict(f"task {task.id} is {task.state}: claim it first")
    if task.assignee != operator:
        raise TaskConflict(f"task {task.id} is claimed by {task.assignee}, not {operator}")
    return task


def check_claimed(task: Task, operator: str, kind: TaskKind | None = None) -> Task:
    """`task` (freshly read) checked to be claimed by `operator` and of `kind`: for services that
    read the task together with what it points to."""
    task = _check_owner(task, operator)
    if kind is not None and task.kind != kind:
        raise TaskConflict(f"task {task.id} is a {task.kind} task, not {TaskKind(kind).value}")
    return task


def require_claimed(session: Session, task_id: int, operator: str, kind: TaskKind | None = None) -> Task:
    """The task, checked to be claimed by `operator` (and of `kind`): for services that do its work."""
    return check_claimed(get_task(session, task_id), operator, kind)


def skip_task(session: Session, task_id: int, operator: str) -> Task:
    """Put a claimed task back at the end of the queue for anyone to take later."""
    task = _owned(session, task_id, operator)
    task.queue_position = views.last_queue_position(session, task.warehouse_id) + 1
    task.skip_count += 1
    task.state = TaskState.OPEN
    task.assignee = None
    task.claimed_at = None
    session.flush()
    return task


def release_task(session: Session, task_id: int, operator: str) -> Task:
    """Give a claimed task back without losing its place in the queue."""
    task = _owned(session, task_id, operator)
    task.state = TaskState.OPEN
    task.assignee = None
    task.claimed_at = None
    session.flush()
    return task


def release_all(session: Session, operator: str) -> int:
    """Give back every task `operator` has claimed, each keeping its place; how many."""
    held = resume(session, operator)
    for task in held:
        task.state = TaskState.OPEN
        task.assignee = None
        task.claimed_at = None
    session.flush()
    return len(held)


def claim_holders(session: Session, *, excluding) -> list[str]:
    """Operators holding claimed tasks, but for those the `excluding` subquery names."""
    return list(session.scalars(
        select(Task.assignee).where(Task.state == TaskState.CLAIMED.value, Task.assignee.not_in(excluding)).distinct()
    ))


def available_to(operator: str):
    """SQL condition: the task is open, or claimed by the operator."""
    return (Task.state == TaskState.OPEN.value) | ((Task.state == TaskState.CLAIMED.value) & (Task.assignee == operator))


def resume(session: Session, operator: str, warehouse_id: int | None = None) -> list[Task]:
    """The tasks `operator` holds (after a crash or a battery swap), in queue order."""
    query = select(Task).where(Task.assignee == _operator(operator), Task.state == TaskState.CLAIMED.value)
    if warehouse_id is not None:
        query = query.where(Task.warehouse_id == warehouse_id)
    return list(session.scalars(query.order_by(Task.queue_position, Task.id)))


def completion(task: Task) -> dict[str, object]:
    """The columns that mark a claimed task done; the service doing the work has already checked
    ownership."""
    if task.state != TaskState.CLAIMED:
        raise TaskConflict(f"task {task.id} is {task.state}: only a claimed task can be completed")
    return {"state": TaskState.DONE, "done_at": _now()}


def complete_task(session: Session, task: Task) -> Task:
    """Mark a claimed task done."""
    for name, value in completion(task).items():
        setattr(task, name, value)
    session.flush()
    return task


def cancel_tasks(session: Session, task_ids: Sequence[int]) -> int:
    """Cancel tasks that are not done yet (their document no longer needs them)."""
    if not task_ids:
        return 0
    return writes.cancel_tasks(session, list(task_ids), _now())


def open_queue(session: Session, warehouse_id: int, kind: TaskKind | None = None) -> list[Task]:
    """Open tasks in the order they will be handed out."""
    query = select(Task).where(Task.warehouse_id == warehouse_id, Task.state == TaskState.OPEN.value)
    if kind is not None:
        query = query.where(Task.kind == TaskKind(kind).value)
    return list(session.scalars(query.order_by(Task.queue_position, Task.id)))

"""Hot-path writes outside the ledger: the rows a receiving scan, a pick confirm, the task queue,
packing and the bulk confirm and allocation of a morning's orders add or change.

Why here and in Core: the statements are built once and executed with plain parameters, because
the ORM's unit of work costs more than these single-row inserts, keyed updates and bulk batches.
They run in the caller's session and transaction; the session does not see the rows as objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import Row, Table, bindparam, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

from wms_tui.domain.states import PENDING_TASK_STATES, TaskState
from wms_tui.store.models import (
    NumberRange,
    ReceiptLine,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    SyncState,
    Task,
)
from wms_tui.store.uuids import new_uuid7s
from wms_tui.store.views import CLAIMABLE_HERE

_RESERVATIONS = Reservation.__table__
_DROP_RESERVATION = _RESERVATIONS.delete().where(_RESERVATIONS.c.id == bindparam("b_id"))
_SHRINK_RESERVATION = (
    _RESERVATIONS.update().where(_RESERVATIONS.c.id == bindparam("b_id")).values(quantity=bindparam("b_quantity"))
)
_NEW_RESERVATIONS = _RESERVATIONS.insert()
_DROP_RESERVATIONS_OF_LINES = _RESERVATIONS.delete().where(
    _RESERVATIONS.c.order_line_id.in_(bindparam("line_ids", expanding=True))
)
_NEW_RECEIPT_LINE = ReceiptLine.__table__.insert().returning(ReceiptLine.__table__.c.id)


def save_columns(session: Session, row: SQLModel, values: Mapping[str, object]) -> None:
    """Set columns of a loaded row: one UPDATE keyed by its id, and the values set on the object
    as saved (not pending), so the unit of work has nothing left to write for them. For the task
    and order line of every pick confirm: the unit of work's flush costs more than the UPDATEs."""
    session.execute(_update_by_id(row.__table__, tuple(values)), {"b_id": row.id, **{f"b_{name}": value for name, value in values.items()}})
    for name, value in values.items():
        set_committed_value(row, name, value)


@cache
def _update_by_id(table: Table, columns: tuple[str, ...]):
    # Built once per table and set of columns: a few, by the callers' code paths.
    return update(table).where(table.c.id == bindparam("b_id")).values({name: bindparam(f"b_{name}") for name in columns})


def set_reservations(session: Session, dropped: list[int], shrunk: Mapping[int, Decimal]) -> None:
    """Delete the `dropped` reservations and set the others to their new quantity."""
    if dropped:
        session.execute(_DROP_RESERVATION, [{"b_id": reservation_id} for reservation_id in dropped])
    if shrunk:
        session.execute(_SHRINK_RESERVATION, [{"b_id": key, "b_quantity": quantity} for key, quantity in shrunk.items()])


def add_receipt_line(session: Session, values: Mapping[str, object]) -> int:
    """Insert one receipt line; returns its id (the document line of the receipt's move)."""
    return session.execute(_NEW_RECEIPT_LINE, dict(values)).scalar_one()


def _with_uids(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The rows, each with its global id: made for the batch at once, not by the column's
    default row by row (a morning's allocation inserts thousands of tasks and reservations)."""
    return [{**row, "uid": uid} for row, uid in zip(rows, new_uuid7s(len(rows)), strict=True)]


def add_reservations(session: Session, rows: list[dict[str, object]]) -> None:
    """Insert allocation's reservations (order_line_id, item_id, location_id, lot_id, quantity)."""
    session.execute(_NEW_RESERVATIONS, _with_uids(rows))


def drop_reservations_of_lines(session: Session, line_ids: list[int]) -> None:
    """Release everything the order lines hold (their order is cancelled)."""
    if line_ids:
        session.execute(_DROP_RESERVATIONS_OF_LINES, {"line_ids": line_ids})


# --- task queue ---------------------------------------------------------------------------------

_TASKS = Task.__table__
# A task a syncing terminal makes for itself (the putaway after its receipt, the count it plans)
# is its own: held by the terminal of the sync_state row, without a lease central gave
# (lease_until stays empty); unheld where no row is. Read by the INSERT, not by a query of its own
# on every receiving scan. RETURNING the queue slot with the id maps ids back to the tasks given:
# asking the database to return rows in parameter order makes SQLite insert them one statement per row.
_INSERT_TASKS = (
    _TASKS.insert()
    .values(leased_to=select(SyncState.__table__.c.terminal_id).limit(1).scalar_subquery())
    .returning(_TASKS.c.id, _TASKS.c.warehouse_id, _TASKS.c.queue_position)
)
# One conditional UPDATE: of terminals racing for the task, the database lets exactly one change it.
_CLAIM = (
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("b_id"), _TASKS.c.state == TaskState.OPEN.value, CLAIMABLE_HERE)
    .values(state=TaskState.CLAIMED.value, assignee=bindparam("b_operator"), claimed_at=bindparam("b_now"))
)
_CANCEL_TASKS = (
    update(_TASKS)
    .where(_TASKS.c.id.in_(bindparam("b_ids", expanding=True)), _TASKS.c.state.in_(PENDING_TASK_STATES))
    .values(state=TaskState.CANCELLED.value, done_at=bindparam("b_now"))
)


def insert_tasks(session: Session, rows: list[dict[str, object]]) -> list[Row]:
    """Insert task rows; returns (id, warehouse_id, queue_position) of each, in no set order."""
    return session.execute(_INSERT_TASKS, _with_uids(rows)).all()


def claim_task(session: Session, task_id: int, operator: str, now: datetime) -> bool:
    """Claim the task if it is still open; False when another terminal has it (or it is done)."""
    return session.execute(_CLAIM, {"b_id": task_id, "b_operator": operator, "b_now": now}).rowcount == 1


def cancel_tasks(session: Session, task_ids: list[int], now: datetime) -> int:
    """Cancel those of the tasks not done yet; returns how many."""
    return session.execute(_CANCEL_TASKS, {"b_ids": task_ids, "b_now": now}).rowcount


# --- packing --------------------------------------------------------------------------------------

_RANGES = NumberRange.__table__
_TAKE_SERIAL = (
    update(_RANGES)
    .where(_RANGES.c.purpose == bindparam("b_purpose"), _RANGES.c.terminal_id == bindparam("b_terminal_id"),
           _RANGES.c.next_value <= _RANGES.c.last_value)
    .values(next_value=_RANGES.c.next_value + 1)
    .returning(_RANGES.c.prefix, _RANGES.c.next_value)
)


def take_serial(session: Session, purpose: str, terminal_id: str) -> tuple[str, int] | None:
    """(prefix, serial) taken from the terminal's number range in one UPDATE, so two containers
    never get one number; None when the range is used up (or the terminal has none)."""
    row = session.execute(_TAKE_SERIAL, {"b_purpose": purpose, "b_terminal_id": terminal_id}).first()
    return None if row is None else (row.prefix, row.next_value - 1)


# --- order confirmation ---------------------------------------------------------------------------

_LINES = SalesOrderLine.__table__
_ORDERS = SalesOrder.__table__
_COMMIT_LINE = (
    update(_LINES)
    .where(_LINES.c.id == bindparam("b_id"))
    .values(
        committed_quantity=bindparam("b_committed"),
        backordered_quantity=bindparam("b_backordered"),
        cancelled_quantity=bindparam("b_cancelled"),
    )
)
_CONFIRM_ORDER = update(_ORDERS).where(_ORDERS.c.id == bindparam("b_id")).values(
    state=bindparam("b_state"), confirmed_at=bindparam("b_at")
)


def confirm_orders(session: Session, line_updates: list[Mapping[str, object]], order_updates: list[Mapping[str, object]]) -> None:
    """Write a bulk confirmation: each line's b_committed/b_backordered/b_cancelled and each
    order's b_state/b_at, keyed by b_id. The session's objects are stale afterwards."""
    connection = session.connection()
    connection.execute(_COMMIT_LINE, line_updates)
    connection.execute(_CONFIRM_ORDER, order_updates)

"""Hot-path writes outside the ledger: the rows a receiving scan, a pick confirm, the task queue,
packing and the bulk confirm and allocation of a morning's orders add or change.

Why here and in Core: the statements are built once and executed with plain parameters, because
the ORM's unit of work costs more than these single-row inserts, keyed updates and bulk batches.
They run in the caller's session and transaction; the session does not see the rows as objects.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from functools import cache, lru_cache

from sqlalchemy import Table, bindparam, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel

from wms_tui.domain.states import PENDING_TASK_STATES, TaskState
from wms_tui.store.driver import driver_insert, placeholder
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
_DROP_RESERVATIONS_OF_LINES = _RESERVATIONS.delete().where(
    _RESERVATIONS.c.order_line_id.in_(bindparam("line_ids", expanding=True))
)
# Task ids read back per statement: under the drivers' bound-parameter limits.
_IDS_CHUNK = 5000
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


# Reservations and tasks are written by the thousand (a morning's allocation): by the driver, each
# with its global id made for the batch at once (new_uuid7s), not by the column's default row by row.
RESERVATION_COLUMNS = ("uid", "order_line_id", "item_id", "location_id", "lot_id", "quantity")


def _driver_rows(stored: dict[str, Callable], columns: Sequence[str], rows: list[Mapping[str, object]]) -> list[tuple]:
    """The rows as the driver's tuples of `columns`, each with a new uid."""
    converters = [(name, stored[name]) for name in columns if name != "uid"]
    stored_uid = stored["uid"]
    return [
        (stored_uid(uid), *[convert(row[name]) for name, convert in converters])
        for row, uid in zip(rows, new_uuid7s(len(rows)), strict=True)
    ]


@lru_cache(maxsize=8)
def _reservation_insert(dialect) -> tuple[str, dict[str, Callable]]:
    return driver_insert(dialect, _RESERVATIONS, RESERVATION_COLUMNS)


def add_reservations(session: Session, rows: list[Mapping[str, object]]) -> None:
    """Insert allocation's reservations (order_line_id, item_id, location_id, lot_id, quantity)."""
    connection = session.connection()
    sql, stored = _reservation_insert(connection.dialect)
    connection.exec_driver_sql(sql, _driver_rows(stored, RESERVATION_COLUMNS, rows))


def drop_reservations_of_lines(session: Session, line_ids: list[int]) -> None:
    """Release everything the order lines hold (their order is cancelled)."""
    if line_ids:
        session.execute(_DROP_RESERVATIONS_OF_LINES, {"line_ids": line_ids})


# --- task queue ---------------------------------------------------------------------------------

_TASKS = Task.__table__
TASK_COLUMNS = (
    "uid", "kind", "state", "warehouse_id", "location_id", "target_location_id", "item_id", "lot_id", "quantity",
    "done_quantity", "queue_position", "skip_count", "batch_ref", "tote", "document_ref", "document_line_id", "reason",
    "created_at",
)
# A task a syncing terminal makes for itself (the putaway after its receipt, the count it plans)
# is its own: held by the terminal of the sync_state row, without a lease central gave
# (lease_until stays empty); unheld where no row is. Read by the INSERT, not by a query of its own
# on every receiving scan.
_LEASED_TO_THIS_TERMINAL = f"(SELECT terminal_id FROM {SyncState.__table__.name} LIMIT 1)"
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


@lru_cache(maxsize=8)
def _task_insert(dialect) -> tuple[str, dict[str, Callable]]:
    return driver_insert(dialect, _TASKS, TASK_COLUMNS, {"leased_to": _LEASED_TO_THIS_TERMINAL})


def insert_tasks(session: Session, rows: list[Mapping[str, object]]) -> list[int]:
    """Insert task rows (TASK_COLUMNS but uid); returns their ids in the order given."""
    connection = session.connection()
    sql, stored = _task_insert(connection.dialect)
    values = _driver_rows(stored, TASK_COLUMNS, rows)
    if len(values) == 1:  # a scan's task: its id in the same statement
        return [connection.exec_driver_sql(f"{sql} RETURNING id", values[0]).scalar_one()]
    # SQLite's executemany drops RETURNING rows: the ids are read back by uid, and the uids
    # increase in the order given (new_uuid7s), so ordering by uid gives the rows' order.
    connection.exec_driver_sql(sql, values)
    marker = placeholder(connection.dialect)
    ids: list[int] = []
    for start in range(0, len(values), _IDS_CHUNK):
        uids = tuple(value[0] for value in values[start : start + _IDS_CHUNK])
        ids += connection.exec_driver_sql(
            f"SELECT id FROM {_TASKS.name} WHERE uid IN ({', '.join([marker] * len(uids))}) ORDER BY uid", uids
        ).scalars()
    return ids


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

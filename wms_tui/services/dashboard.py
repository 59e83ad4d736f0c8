"""The supervisor console's dashboard: open work, who holds it, orders by status, exceptions,
today's pace and the print queues, in one short read.

Read in Core over light table clauses, not through the models: the console starts on the
dashboard, and loading the models for its first read was a third of the console's start-up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from labels import PrintQueue
from labels.queue import JobStatus
from wms_tui.domain.outbound import OrderStatus
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import CountLineState, StockExceptionState, TaskKind, TaskState
from wms_tui.services.order_status import WORKING_STATES, status_of, status_of_code
from wms_tui.store.db import read_only
from wms_tui.store.light_tables import (
    PACED_REASONS,
    count_line,
    location,
    order_facts,
    paced_reason,
    pick_discrepancy,
    sales_order,
    shipping_container,
    stock_exception,
    stock_move,
    task,
)

OPEN_TASK_STATES = (TaskState.OPEN.value, TaskState.CLAIMED.value)
# Ledger reasons the per-hour chart counts.
PACK_WORK = "pack"
SHIP_WORK = "ship"
PICK_REASON = MoveReason.PICK.value
RECEIPT_REASON = MoveReason.RECEIPT.value


@dataclass(frozen=True)
class HeldTask:
    task_id: int
    kind: str
    assignee: str
    document: str
    location: str
    claimed_at: datetime | None


@dataclass(frozen=True)
class PrinterQueue:
    name: str
    pending: int
    failed: int
    last_error: str | None


@dataclass(frozen=True)
class Dashboard:
    tasks: dict[tuple[str, str], int]  # (kind, state) -> open work
    held: list[HeldTask]
    orders: dict[str, int]  # derived status -> orders
    short_picks: int
    count_variances: int
    stock_exceptions: int  # open ones: what the floor could not settle
    picked_per_hour: list[int]  # 24 hours of today (UTC), lines
    received_per_hour: list[int]
    printers: list[PrinterQueue]

    @property
    def exceptions(self) -> int:
        return self.short_picks + self.count_variances + self.stock_exceptions


def _per_hour(connection: Connection, since: datetime) -> dict[str, list[int]]:
    """Today's moves per hour for each reason the pace chart counts, reversals left out, read
    through the index of paced moves by time. (Today's moves as a range of the primary key
    would read every move of the day, whatever its reason: a million on a busy day of other work.)"""
    hours = {reason.value: [0] * 24 for reason in PACED_REASONS}
    moves = stock_move.c
    for reason, created_at in connection.execute(
        select(moves.reason, moves.created_at).where(paced_reason(moves.reason), moves.created_at >= since, moves.reverses_id.is_(None))
    ):
        hours[reason][created_at.hour] += 1
    return hours


def printer_queues(printers: Sequence[str], queue_path: Path | None) -> list[PrinterQueue]:
    """Jobs waiting per configured printer in the terminal's durable print queue."""
    pending: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    errors: dict[str, str] = {}
    if queue_path is not None and queue_path.exists():
        queue = PrintQueue(queue_path)
        try:
            for job in queue.jobs():
                (failed if job.status == JobStatus.FAILED else pending)[job.printer] += 1
                if job.last_error:
                    errors[job.printer] = job.last_error
        finally:
            queue.close()
    names = sorted({*printers, *pending, *failed})
    return [PrinterQueue(name, pending[name], failed[name], errors.get(name)) for name in names]


def _count(connection: Connection, table, condition) -> int:
    return connection.execute(select(func.count()).select_from(table).where(condition)).scalar_one()


def dashboard(engine: Engine, *, printers: Sequence[str] = (), queue_path: Path | None = None, today: date | None = None) -> Dashboard:
    today = today or datetime.now(UTC).date()
    since = datetime.combine(today, time.min, tzinfo=UTC)
    tasks = task.c
    with read_only(engine).connect() as connection:
        task_counts = {
            (kind, state): count
            for kind, state, count in connection.execute(
                select(tasks.kind, tasks.state, func.count()).where(tasks.state.in_(OPEN_TASK_STATES)).group_by(tasks.kind, tasks.state)
            )
        }
        # Packing and shipping are not tasks: their open work is containers being packed or waiting for the carrier.
        for state, kind in (("open", PACK_WORK), ("closed", SHIP_WORK)):
            if count := _count(connection, shipping_container, shipping_container.c.state == state):
                task_counts[(kind, TaskState.OPEN.value)] = count
        held = [
            HeldTask(row.id, row.kind, row.assignee, row.document_ref or "", row.code or "", row.claimed_at)
            for row in connection.execute(
                select(tasks.id, tasks.kind, tasks.assignee, tasks.document_ref, location.c.code, tasks.claimed_at)
                .select_from(task.outerjoin(location, location.c.id == tasks.location_id))
                .where(tasks.state == TaskState.CLAIMED.value)
                .order_by(tasks.assignee, tasks.claimed_at)
            )
        ]
        orders: Counter[str] = Counter()
        for state, count in connection.execute(
            select(sales_order.c.state, func.count()).where(sales_order.c.state.not_in(WORKING_STATES)).group_by(sales_order.c.state)
        ):
            orders[status_of(state).value] += count
        # Working orders per code: a read of the (code, created) index, not of their lines and money.
        facts = order_facts.c
        for code, count in connection.execute(select(facts.code, func.count()).where(facts.code.is_not(None)).group_by(facts.code)):
            # Both sides of a status count: an order partially shipped and paid is in each.
            for side in status_of_code(code).sides:
                orders[side.value] += count
        short_picks = _count(connection, pick_discrepancy, pick_discrepancy.c.created_at >= since)
        variances = _count(connection, count_line, count_line.c.state == CountLineState.RECOUNT)
        stock = _count(connection, stock_exception, stock_exception.c.state == StockExceptionState.OPEN)
        pace = _per_hour(connection, since)
    return Dashboard(task_counts, held, dict(orders), short_picks, variances, stock, pace[PICK_REASON], pace[RECEIPT_REASON],
                     printer_queues(printers, queue_path))


def status_counts(dashboard_orders: Mapping[str, int]) -> list[tuple[str, int]]:
    """Order statuses in lifecycle order, each with its count (zeros included)."""
    return [(status.value, dashboard_orders.get(status.value, 0)) for status in OrderStatus]


# Rows of the dashboard's open-work table, in the order work flows through the warehouse.
WORK_KINDS = (TaskKind.PICK.value, PACK_WORK, SHIP_WORK, TaskKind.PUTAWAY.value, TaskKind.REPLENISH.value, TaskKind.COUNT.value)


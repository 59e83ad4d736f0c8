"""Re-planning after a count found less than the ledger held.

Reservations the bin can no longer honour are dropped, newest first, with the pick tasks behind
them, so no picker is sent for units that are not there; committed units the warehouse can no
longer cover at all leave their lines by each order's back-order policy (newest orders first,
as a short pick would); then the orders concerned are allocated again from the stock that is.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.outbound import OrderState
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.states import PENDING_TASK_STATES, TaskKind
from wms_tui.services import tasks
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.picking import give_up_units
from wms_tui.store import queries, views
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import Location, Reservation, SalesOrder, SalesOrderLine, Task


def _drop_reservation(session: Session, reservation: Reservation, units: Decimal) -> None:
    """Take `units` off a reservation and off the pending pick tasks that would fetch them."""
    pending = session.exec(
        select(Task).where(
            Task.kind == TaskKind.PICK, Task.state.in_(PENDING_TASK_STATES), Task.document_line_id == reservation.order_line_id,
            Task.location_id == reservation.location_id,
            Task.lot_id == reservation.lot_id if reservation.lot_id else Task.lot_id.is_(None),
        ).order_by(Task.id.desc())
    ).all()
    left = units
    for task in pending:
        take = min(left, task.quantity - task.done_quantity)
        task.quantity -= take
        left -= take
        if task.quantity == task.done_quantity:
            if task.done_quantity > 0:
                tasks.complete_task(session, task)
            else:
                tasks.cancel_tasks(session, [task.id])
        if left <= 0:
            break
    if units == reservation.quantity:
        session.delete(reservation)
    else:
        reservation.quantity -= units
    session.flush()


def _deallocate_bin(session: Session, item_id: int, location_id: int, lot_id: int | None) -> set[int]:
    """Drop what is reserved in the bin beyond what it holds; returns the order lines touched."""
    held = views.on_hand_of_lot(session, item_id, location_id, lot_id)
    reservations = session.exec(
        select(Reservation).where(
            Reservation.item_id == item_id, Reservation.location_id == location_id,
            Reservation.lot_id == lot_id if lot_id else Reservation.lot_id.is_(None),
        ).order_by(Reservation.id.desc())
    ).all()
    excess = sum((reservation.quantity for reservation in reservations), ZERO) - max(held, ZERO)
    touched: set[int] = set()
    for reservation in reservations:
        if excess <= 0:
            break
        take = min(excess, reservation.quantity)
        touched.add(reservation.order_line_id)
        _drop_reservation(session, reservation, take)
        excess -= take
    return touched


def _uncommit_excess(session: Session, context: PostingContext, warehouse_id: int, item_id: int, today: date) -> set[int]:
    """Committed units above the warehouse's sellable stock leave their lines, newest order
    first: first units not yet reserved, then reserved ones (with their pick tasks)."""
    figures = queries.availability_by_item(session.connection(), warehouse_id, [item_id], today)[item_id]
    over = figures.committed - figures.sellable
    if over <= 0:
        return set()
    rows = session.exec(
        select(SalesOrderLine, SalesOrder)
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .where(SalesOrderLine.item_id == item_id, SalesOrder.warehouse_id == warehouse_id,
               SalesOrder.state == OrderState.CONFIRMED, SalesOrderLine.committed_quantity > 0)
        .order_by(SalesOrder.created_at.desc(), SalesOrder.id.desc(), SalesOrderLine.id.desc())
    ).all()
    reservations: dict[int, list[Reservation]] = defaultdict(list)
    for reservation in session.exec(
        select(Reservation).where(Reservation.order_line_id.in_([line.id for line, _ in rows])).order_by(Reservation.id.desc())
    ).all():
        reservations[reservation.order_line_id].append(reservation)
    touched: set[int] = set()
    for line, order in rows:
        if over <= 0:
            break
        if order.state != OrderState.CONFIRMED:  # cancelled whole by an earlier line (ship nothing)
            continue
        reserved = sum((reservation.quantity for reservation in reservations[line.id]), ZERO)
        unpicked = line.committed_quantity - (line.picked_quantity - line.shipped_quantity)
        take = min(over, unpicked)
        if take <= 0:
            continue
        for reservation in reservations[line.id]:
            beyond = take - (unpicked - reserved)  # what the free part of the line cannot give
            if beyond <= 0:
                break
            dropped = min(beyond, reservation.quantity)
            _drop_reservation(session, reservation, dropped)
            reserved -= dropped
        touched.add(line.id)
        give_up_units(session, context, order, line, take)
        over -= take
    session.flush()
    return touched


def replan_after_loss(
    session: Session, context: PostingContext, item_id: int, location: Location, lot_id: int | None, *, today: date | None = None
) -> list[str]:
    """After stock was found missing in a bin: de-allocate and re-plan the lines it touches.
    Returns the numbers of the orders re-planned."""
    today = today or datetime.now(UTC).date()
    touched = _deallocate_bin(session, item_id, location.id, lot_id)
    touched |= _uncommit_excess(session, context, location.warehouse_id, item_id, today)
    if not touched:
        return []
    numbers = sorted(set(session.exec(
        select(SalesOrder.number).join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .where(SalesOrderLine.id.in_(touched), SalesOrder.state == OrderState.CONFIRMED)
    ).all()))
    if numbers:
        allocate(session, numbers, today=today)
    return numbers

"""What central does with the outbound work a terminal pushed: its picks (task completions) and
its shipments, recorded on central's order lines and reservations by the rules the terminal
applied when it did the work."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.outbound import ShortPickOutcome
from wms_tui.domain.quantities import display
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.domain.sync import TASK_LEASE_S, ConflictKind
from wms_tui.services.outbound.common import order_lines
from wms_tui.services.outbound.picking import (
    cancel_unshipped_rest,
    pick_elsewhere,
    record_picked,
    release_reservation,
    take_off_line,
)
from wms_tui.services.outbound.shipping import record_shipped
from wms_tui.store import views
from wms_tui.store.models import (
    ContainerLine,
    Location,
    PickDiscrepancy,
    SalesOrder,
    SalesOrderLine,
    Shipment,
    ShippingContainer,
    SyncConflict,
    Task,
)


def record_pick(session: Session, task: Task, units: Decimal) -> None:
    """A pick task a terminal confirmed: its units picked for the order line, its reservation released."""
    line = session.get(SalesOrderLine, task.document_line_id)
    release_reservation(session, task, units)
    record_picked(line, session.get(Location, task.target_location_id), units)
    session.flush()


def record_shipments(session: Session, shipment_ids: Iterable[int]) -> None:
    """Shipments a terminal made: the contents of their containers shipped from their order lines."""
    for shipment in session.exec(select(Shipment).where(Shipment.id.in_(list(shipment_ids)))):
        containers = select(ShippingContainer.container_id).where(ShippingContainer.shipment_id == shipment.id)
        contents = session.exec(select(ContainerLine).where(ContainerLine.container_id.in_(containers))).all()
        record_shipped(order_lines(session, shipment.order_id), contents)
    session.flush()


def adopt_tasks(session: Session, task_ids: Iterable[int], terminal_id: str) -> None:
    """Tasks a terminal made for itself that others must know of (the rest of a pick split into
    a second tote, the count a short pick asks for), new here: central owns them from now on,
    at the end of the warehouse's queue. A done one is its maker's, and a pick's units are
    picked for the order line. Any other stays leased to its maker, open or started: the
    terminal may have claimed it since it pushed it (it was claimable there), so no other
    terminal may be leased it before that lease runs out."""
    for task in session.exec(select(Task).where(Task.id.in_(list(task_ids))).order_by(Task.id)):
        task.queue_position = views.last_queue_position(session, task.warehouse_id) + 1
        if task.state == TaskState.DONE:
            task.leased_to = task.done_by = terminal_id
            if task.kind == TaskKind.PICK and task.document_line_id is not None:
                record_pick(session, task, task.done_quantity)
        else:
            lease_to(task, terminal_id)
    session.flush()


def lease_to(task: Task, terminal_id: str) -> None:
    """Lease a task to a terminal for TASK_LEASE_S (its task exchanges renew it)."""
    task.leased_to, task.lease_until = terminal_id, datetime.now(UTC) + timedelta(seconds=TASK_LEASE_S)


def record_short_picks(session: Session, discrepancy_ids: Iterable[int], terminal_id: str) -> None:
    """Short picks a terminal made: the task closed with what was found (its completion, sent
    later, is then a resend) and the units not found released from its reservation. Central owns
    allocation: the units the terminal gave up are allocated again from other bins first, as a
    lone terminal does (the new picks go into the picker's tote: leased to its terminal); the
    rest follows the terminal's decision on central's order line (back ordered or cancelled).
    A cancelled order (the terminal put its picks back) is cancelled here too. Units given up
    beyond what the line still has committed here (another decision came first) are not taken
    twice: a supervisor is told. The discrepancy records what central did with the units."""
    for short in session.exec(select(PickDiscrepancy).where(PickDiscrepancy.id.in_(list(discrepancy_ids))).order_by(PickDiscrepancy.id)):
        task, line = session.get(Task, short.task_id), session.get(SalesOrderLine, short.order_line_id)
        if task.state != TaskState.DONE:
            task.state, task.done_quantity, task.done_by, task.done_at = TaskState.DONE, short.picked_quantity, terminal_id, short.created_at
            task.assignee, task.reason = short.operator, short.reason_code
            record_pick(session, task, short.picked_quantity)
        release_reservation(session, task, short.expected_quantity - short.picked_quantity)
        order = session.get(SalesOrder, line.order_id)
        if short.outcome is ShortPickOutcome.CANCEL_ORDER:
            cancel_unshipped_rest(session, order)
        elif short.outcome in (ShortPickOutcome.BACKORDER, ShortPickOutcome.CANCEL_LINE) and short.given_up_quantity > 0:
            session.flush()  # allocation reads the task done, the line and its reservations
            replanned = pick_elsewhere(session, task, order, line, None)
            for new in replanned:
                lease_to(new, terminal_id)
            given_up = max(short.given_up_quantity - sum((new.quantity for new in replanned), Decimal(0)), Decimal(0))
            units = min(given_up, max(line.committed_quantity, Decimal(0)))
            take_off_line(line, short.outcome, units)
            short.given_up_quantity = units
            if given_up == 0:
                short.outcome = ShortPickOutcome.REALLOCATED
            if units < given_up:
                session.add(SyncConflict(
                    uid=uuid.uuid5(short.uid, "short_pick_clash"), warehouse_id=order.warehouse_id, kind=ConflictKind.SHORT_PICK_CLASH,
                    terminal_id=terminal_id, move_ids="", created_at=datetime.now(UTC),
                    detail=(f"short pick on {order.number} (task {task.uid.hex}): {terminal_id} gave up "
                            f"{display(given_up)} ({short.outcome}), only {display(units)} were still committed")[:300],
                ))
    session.flush()

"""Allocation: reserve concrete stock for confirmed lines and queue pick tasks along the pick path.

Expiry-tracked items go FEFO and never from an expired lot; other items FIFO by receipt (the lot's
receipt, or for untracked items the first receipt into the bin). Only the Stock zone is picked
from, and a bin with an open count task for the item is left alone until it is counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, and_, case, func, or_
from sqlmodel import Session, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.outbound import COMPLETE_ONLY, OrderState, backorder_policy
from wms_tui.domain.quantities import QUANTITY_PLACES, ZERO, from_units
from wms_tui.domain.states import PENDING_TASK_STATES, TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.outbound.common import order_headers, pickable, warehouse_zones
from wms_tui.services.tasks import NewTask
from wms_tui.store import views, writes
from wms_tui.store.db import lock_stock_of_items
from wms_tui.store.models import (
    NO_LOT,
    CustomerProfile,
    Item,
    Location,
    Lot,
    Reservation,
    SalesOrder,
    StockBalance,
    StockMove,
    Task,
)

CHUNK = 5000


@dataclass(frozen=True)
class AllocationResult:
    reserved_quantity: Decimal
    task_ids: list[int]
    # Committed units that found no pickable stock yet (in Input, under count, expired...).
    unallocated: dict[int, Decimal]
    held_orders: list[str]


@dataclass
class _Stock:
    location_id: int
    lot_id: int | None
    free: Decimal
    path: tuple  # (pick sequence, bin code): orders walk their tasks in this order


def _chunked(values: Sequence[int]):
    ordered = sorted(set(values))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _candidates(session: Session, warehouse_id: int, warehouse_code: str, demand: dict[int, Decimal], today: date) -> dict[int, list[_Stock]]:
    """Free stock per item in pick bins, best first (FEFO/FIFO, then along the pick path), only as
    far down that order as the item's `demand` can reach (allocation takes from the front)."""
    reserved: dict[tuple[int, int, int], Decimal] = {}
    doubtful: set[tuple[int, int]] = set()
    stock: dict[int, list[_Stock]] = defaultdict(list)
    wanted = dict(demand)
    conn = session.connection()
    for chunk in _chunked(list(demand)):
        for item_id, location_id, lot_id, quantity in conn.execute(
            select(Reservation.item_id, Reservation.location_id, Reservation.lot_id, func.sum(Reservation.quantity))
            .where(Reservation.item_id.in_(chunk))
            .group_by(Reservation.item_id, Reservation.location_id, Reservation.lot_id)
        ):
            key = (item_id, location_id, lot_id or NO_LOT)
            reserved[key] = reserved.get(key, ZERO) + quantity
        doubtful.update(
            conn.execute(
                select(Task.item_id, Task.location_id).where(
                    Task.warehouse_id == warehouse_id,
                    Task.kind == TaskKind.COUNT.value,
                    Task.state.in_(PENDING_TASK_STATES),
                    Task.item_id.in_(chunk),
                )
            ).all()
        )
        # FIFO for untracked stock: the first receipt of the item into the bin. The database sorts
        # (expiry, receipt, pick path), so no timestamps are carried into Python.
        first_receipt = (
            select(
                StockMove.item_id,
                StockMove.to_location_id.label("location_id"),
                func.min(StockMove.created_at).label("received"),
            )
            .where(StockMove.item_id.in_(chunk))
            .group_by(StockMove.item_id, StockMove.to_location_id)
            .subquery()
        )
        received = case((StockBalance.lot_id != NO_LOT, Lot.created_at), else_=first_receipt.c.received)
        rows = conn.execute(
            select(
                StockBalance.item_id,
                StockBalance.location_id,
                StockBalance.lot_id,
                # Stored units, not Decimals: most rows lie past what the demand reaches.
                func.sum(StockBalance.quantity, type_=BigInteger).label("units"),
                Location.pick_sequence,
                Location.code,
            )
            .join(Location, Location.id == StockBalance.location_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id)
            .outerjoin(
                first_receipt,
                and_(first_receipt.c.item_id == StockBalance.item_id, first_receipt.c.location_id == StockBalance.location_id),
            )
            .where(
                StockBalance.item_id.in_(chunk),
                Location.warehouse_id == warehouse_id,
                Location.active.is_(True),
                pickable(warehouse_code),
                or_(Lot.expiry_date.is_(None), Lot.expiry_date >= today),
            )
            .group_by(
                StockBalance.item_id, StockBalance.location_id, StockBalance.lot_id,
                Location.pick_sequence, Location.code, Lot.expiry_date, Lot.created_at, first_receipt.c.received,
            )
            .having(func.sum(StockBalance.quantity) > 0)
            # Unknown expiry or receipt sorts last, as a date at the end of time would.
            .order_by(
                StockBalance.item_id,
                Lot.expiry_date.is_(None), Lot.expiry_date,
                received.is_(None), received,
                Location.pick_sequence, Location.code, StockBalance.lot_id,
            )
        )
        for item_id, location_id, lot_id, units, pick_sequence, code in rows:
            if wanted[item_id] <= 0 or (item_id, location_id) in doubtful:
                continue
            free = from_units(units, QUANTITY_PLACES) - reserved.get((item_id, location_id, lot_id), ZERO)
            if free <= 0:
                continue
            wanted[item_id] -= free
            stock[item_id].append(_Stock(location_id, lot_id or None, free, (pick_sequence, code)))
    return stock


def _unplanned(session: Session, warehouse_code: str, line_ids: list[int]) -> dict[tuple[int, int, int | None], Decimal]:
    """Reserved units no pick task will take, per (line, bin, lot), in pick bins: stock pinned to
    a line on arrival (a non-stock buy-to-order receipt) that has since been put away."""
    reserved: dict[tuple[int, int, int | None], Decimal] = defaultdict(Decimal)
    for chunk in _chunked(line_ids):
        for line_id, location_id, lot_id, quantity in session.execute(
            select(Reservation.order_line_id, Reservation.location_id, Reservation.lot_id, func.sum(Reservation.quantity))
            .join(Location, Location.id == Reservation.location_id)
            .where(Reservation.order_line_id.in_(chunk), pickable(warehouse_code))
            .group_by(Reservation.order_line_id, Reservation.location_id, Reservation.lot_id)
        ):
            reserved[(line_id, location_id, lot_id)] += Decimal(quantity)
        for line_id, location_id, lot_id, left in session.execute(
            select(Task.document_line_id, Task.location_id, Task.lot_id, func.sum(Task.quantity - Task.done_quantity))
            .where(Task.kind == TaskKind.PICK.value, Task.state.in_(PENDING_TASK_STATES), Task.document_line_id.in_(chunk))
            .group_by(Task.document_line_id, Task.location_id, Task.lot_id)
        ):
            if (line_id, location_id, lot_id) in reserved:
                reserved[(line_id, location_id, lot_id)] -= Decimal(left)
    return {key: quantity for key, quantity in reserved.items() if quantity > 0}


def _need(row, reserved_by_line: dict[int, Decimal]) -> Decimal:
    """Units of a line still to reserve: committed, less what is picked and not yet shipped,
    less what is reserved already."""
    return row.committed_quantity - (row.picked_quantity - row.shipped_quantity) - reserved_by_line.get(row.id, ZERO)


def allocate(session: Session, order_numbers: Sequence[str], *, today: date | None = None) -> AllocationResult:
    """Reserve stock for the confirmed lines of these orders and queue one pick task per line and
    bin, each order's tasks along the pick path. Orders that ship complete wait until nothing is
    back ordered."""
    today = today or datetime.now(UTC).date()
    orders = order_headers(session, sorted(set(order_numbers)))
    for order in orders:
        if order.state != OrderState.CONFIRMED:
            raise InvalidInput(f"sales order {order.number} is {order.state}: only confirmed orders are allocated")
    profiles = {
        profile.partner_id: profile
        for profile in session.exec(select(CustomerProfile).where(CustomerProfile.partner_id.in_({o.customer_id for o in orders})))
    }
    lines = views.lines_to_allocate(session, [order.id for order in orders])
    reserved_by_line: dict[int, Decimal] = {}
    for chunk in _chunked([row.id for rows in lines.values() for row in rows]):
        for line_id, quantity in session.execute(
            select(Reservation.order_line_id, func.sum(Reservation.quantity))
            .where(Reservation.order_line_id.in_(chunk))
            .group_by(Reservation.order_line_id)
        ):
            reserved_by_line[line_id] = quantity
    held = []
    for order in orders:
        policy = backorder_policy(order.backorder_policy or profiles[order.customer_id].backorder_policy)
        if policy in COMPLETE_ONLY and any(row.backordered_quantity > 0 for row in lines[order.id]):
            held.append(order.number)
    result_tasks: list[int] = []
    reservations: list[dict] = []
    unallocated: dict[int, Decimal] = {}
    total = ZERO
    for warehouse_id in sorted({order.warehouse_id for order in orders}):
        zones = warehouse_zones(session, warehouse_id)
        wh_orders = [o for o in orders if o.warehouse_id == warehouse_id and o.number not in held]
        needs = {row.id: _need(row, reserved_by_line) for order in wh_orders for row in lines[order.id]}
        demand: dict[int, Decimal] = defaultdict(Decimal)
        for order in wh_orders:
            for row in lines[order.id]:
                demand[row.item_id] += max(needs[row.id], ZERO)
        lock_stock_of_items(session.connection(), warehouse_id, demand)
        stock = _candidates(session, warehouse_id, zones.warehouse.code, demand, today)
        pinned = [line_id for line_id in needs if reserved_by_line.get(line_id, ZERO) > 0]
        pick_to_id = zones.pick_to.id
        unplanned = _unplanned(session, zones.warehouse.code, pinned) if pinned else {}
        paths = {
            location_id: (pick_sequence, code)
            for location_id, pick_sequence, code in (session.execute(
                select(Location.id, Location.pick_sequence, Location.code).where(Location.id.in_({key[1] for key in unplanned}))
            ) if unplanned else ())
        }
        sequence = {}
        new_tasks: list[NewTask] = []
        for order in wh_orders:
            order_tasks = []
            for row in lines[order.id]:
                for (line_id, location_id, lot_id), quantity in unplanned.items():
                    if line_id == row.id:
                        sequence[location_id] = paths[location_id]
                        order_tasks.append(NewTask(
                            TaskKind.PICK, warehouse_id, location_id=location_id, target_location_id=pick_to_id,
                            item_id=row.item_id, lot_id=lot_id, quantity=quantity, document_ref=order.number,
                            document_line_id=row.id,
                        ))
                need = needs[row.id]
                for entry in stock.get(row.item_id, []):
                    if need <= 0:
                        break
                    take = min(need, entry.free)
                    if take <= 0:
                        continue
                    entry.free -= take
                    need -= take
                    total += take
                    reservations.append(
                        {"order_line_id": row.id, "item_id": row.item_id, "location_id": entry.location_id, "lot_id": entry.lot_id, "quantity": take}
                    )
                    sequence[entry.location_id] = entry.path
                    order_tasks.append(
                        NewTask(
                            TaskKind.PICK, warehouse_id, location_id=entry.location_id, target_location_id=pick_to_id,
                            item_id=row.item_id, lot_id=entry.lot_id, quantity=take, document_ref=order.number,
                            document_line_id=row.id,
                        )
                    )
                if need > 0:
                    unallocated[row.id] = need
            order_tasks.sort(key=lambda task: sequence[task.location_id])
            new_tasks += order_tasks
        result_tasks += tasks.create_tasks(session, new_tasks)
    if reservations:
        writes.add_reservations(session, reservations)
    return AllocationResult(total, result_tasks, unallocated, held)


def batch_orders(session: Session, order_numbers: Sequence[str], totes: Sequence[str], batch_ref: str) -> list[Task]:
    """Cluster picking: one picker takes several orders at once, one tote per order, walking the
    pick path once. The orders' open pick tasks get the batch and their tote and are re-queued
    in location sequence across the orders."""
    numbers = list(dict.fromkeys(number.strip() for number in order_numbers))
    totes = [tote.strip() for tote in totes]
    if not batch_ref.strip():
        raise InvalidInput("a batch needs a reference")
    if len(totes) < len(numbers) or len(set(totes)) != len(totes) or not all(totes):
        raise InvalidInput(f"{len(numbers)} orders need {len(numbers)} distinct totes, got {len(totes)}")
    rows = session.exec(
        select(Task, Location, SalesOrder)
        .join(Location, Location.id == Task.location_id)
        .join(SalesOrder, SalesOrder.number == Task.document_ref)
        .where(Task.kind == TaskKind.PICK.value, Task.state == TaskState.OPEN.value, Task.document_ref.in_(numbers))
    ).all()
    without = sorted(set(numbers) - {order.number for _, _, order in rows})
    if without:
        raise InvalidInput(f"no open pick tasks for {', '.join(without)}: allocate them first")
    tote_of = dict(zip(numbers, totes, strict=False))
    positions = sorted(task.queue_position for task, _, _ in rows)
    ordered = sorted(rows, key=lambda row: (row[1].pick_sequence, row[1].code, row[2].created_at, row[0].id))
    for position, (task, _, order) in zip(positions, ordered, strict=True):
        task.queue_position = position
        task.batch_ref = batch_ref.strip()
        task.tote = tote_of[order.number]
    session.flush()
    return [task for task, _, _ in ordered]


@dataclass(frozen=True)
class PickListRow:
    task_id: int
    location: str
    sku: str
    description: str
    lot: str | None
    expiry: date | None
    quantity: Decimal
    picked: Decimal
    order_number: str
    tote: str | None


@dataclass(frozen=True)
class PickList:
    """What the picker walks with: no prices."""

    title: str
    rows: list[PickListRow]


def pick_list(session: Session, *, order_number: str | None = None, batch_ref: str | None = None) -> PickList:
    if (order_number is None) == (batch_ref is None):
        raise InvalidInput("a pick list is for one order or one batch")
    query = (
        select(Task, Location, Item, Lot)
        .join(Location, Location.id == Task.location_id)
        .join(Item, Item.id == Task.item_id)
        .outerjoin(Lot, Lot.id == Task.lot_id)
        .where(Task.kind == TaskKind.PICK.value, Task.state != TaskState.CANCELLED.value)
        .order_by(Task.queue_position, Task.id)
    )
    query = query.where(Task.document_ref == order_number) if order_number else query.where(Task.batch_ref == batch_ref)
    rows = [
        PickListRow(task.id, location.code, item.sku, item.name, lot.code if lot else None, lot.expiry_date if lot else None,
                    task.quantity, task.done_quantity, task.document_ref, task.tote)
        for task, location, item, lot in session.exec(query)
    ]
    if not rows:
        raise NotFound(f"no pick tasks for {order_number or batch_ref}")
    return PickList(f"Pick list {order_number or batch_ref}", rows)

"""Hot-path reads: what a receiving scan, a putaway suggestion, a pick confirm, the task queue and
the back-order release read on every input, and the order lines a bulk confirm or allocation reads.

Why here and in Core: each statement is built once with bound parameters, because building a
SELECT costs more than SQLite takes to answer these indexed reads. Each runs in the caller's
session, so the scan's pending rows are flushed first and ORM rows land in its identity map.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import cache

from sqlalchemy import Row, bindparam, exists, func, type_coerce
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from wms_tui.domain.locations import LocationKind
from wms_tui.domain.outbound import OPEN_ORDER_STATES
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.store.models import (
    NO_LOT,
    BinCapacity,
    CustomerProfile,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayRule,
    Receipt,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    StockBalance,
    SyncState,
    Task,
    Warehouse,
)
from wms_tui.store.types import Quantity

# Empty bins are looked up in pick order; this many are enough to find one that fits.
EMPTY_BIN_CANDIDATES = 50

# --- receiving ---------------------------------------------------------------------------------

_RECEIPT = (
    select(Receipt, Warehouse, PurchaseOrder)
    .join(Warehouse, Warehouse.id == Receipt.warehouse_id)
    .outerjoin(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
    .where(Receipt.number == bindparam("number"))
)
_ORDER_LINES_OF_ITEM = (
    select(PurchaseOrderLine)
    .where(PurchaseOrderLine.order_id == bindparam("order_id"), PurchaseOrderLine.item_id == bindparam("item_id"))
    .order_by(PurchaseOrderLine.expected_date, PurchaseOrderLine.id)
    .with_for_update()
)
_PO_LINES = PurchaseOrderLine.__table__
_SHORT_LINE = (
    select(_PO_LINES.c.id)
    .where(_PO_LINES.c.order_id == bindparam("order_id"), _PO_LINES.c.received_quantity < _PO_LINES.c.quantity)
    .limit(1)
)


def receipt_with_order(session: Session, number: str) -> Row | None:
    """(Receipt, Warehouse, PurchaseOrder or None when blind) in one read."""
    return session.exec(_RECEIPT, params={"number": number.strip()}).first()


def order_lines_of_item(session: Session, order_id: int, item_id: int) -> list[PurchaseOrderLine]:
    """The purchase order's lines of the item, earliest expected first, locked for the update."""
    return list(session.exec(_ORDER_LINES_OF_ITEM, params={"order_id": order_id, "item_id": item_id}).all())


def any_line_short(session: Session, order_id: int) -> bool:
    return session.execute(_SHORT_LINE, {"order_id": order_id}).first() is not None


# --- putaway suggestion -------------------------------------------------------------------------

_STORAGE_BINS = (
    select(Location.id, Location.code, Location.pick_sequence, BinCapacity.max_quantity)
    .outerjoin(BinCapacity, BinCapacity.location_id == Location.id)
    .where(
        Location.warehouse_id == bindparam("warehouse_id"),
        Location.kind == LocationKind.INTERNAL,
        Location.active,
        Location.code.startswith(bindparam("stock_prefix")),
        ~exists().where(Location.__table__.alias("child").c.parent_id == Location.id),
    )
)
_BINS_BY_ID = _STORAGE_BINS.where(Location.id.in_(bindparam("ids", expanding=True)))
_EMPTY_BINS = (
    _STORAGE_BINS.where(
        Location.code.startswith(bindparam("prefix")),
        ~exists().where(StockBalance.location_id == Location.id, StockBalance.quantity > 0),
        # An empty bin another operator is already taking goods to is not empty for long.
        ~exists().where(
            Task.target_location_id == Location.id, Task.kind == TaskKind.PUTAWAY, Task.state == TaskState.CLAIMED,
            Task.id != bindparam("task_id"),
        ),
        BinCapacity.max_quantity.is_(None) | (BinCapacity.max_quantity >= bindparam("quantity", type_=Quantity())),
    )
    .order_by(Location.pick_sequence, Location.code)
    .limit(EMPTY_BIN_CANDIDATES)
)
_RULES = (
    select(PutawayRule.kind, Location.code, Location.id)
    .join(Location, Location.id == PutawayRule.location_id)
    .where(PutawayRule.item_id == bindparam("item_id"))
)
_ITEM_STOCK = (
    select(StockBalance.location_id, StockBalance.lot_id, func.sum(StockBalance.quantity))
    .join(Location, Location.id == StockBalance.location_id)
    .where(StockBalance.item_id == bindparam("item_id"), Location.code.startswith(bindparam("stock_prefix")))
    .group_by(StockBalance.location_id, StockBalance.lot_id)
    .having(func.sum(StockBalance.quantity) > 0)
)
_BIN_TOTALS = (
    select(StockBalance.location_id, func.sum(StockBalance.quantity))
    .where(StockBalance.location_id.in_(bindparam("ids", expanding=True)))
    .group_by(StockBalance.location_id)
)


def storage_bins(session: Session, warehouse_id: int, stock_prefix: str) -> list[Row]:
    """(id, code, pick_sequence, capacity) of the active leaf locations under the prefix."""
    return session.execute(_STORAGE_BINS, {"warehouse_id": warehouse_id, "stock_prefix": stock_prefix}).all()


def storage_bins_by_id(session: Session, warehouse_id: int, stock_prefix: str, ids: list[int]) -> list[Row]:
    return session.execute(_BINS_BY_ID, {"warehouse_id": warehouse_id, "stock_prefix": stock_prefix, "ids": ids}).all()


def empty_bins(
    session: Session, warehouse_id: int, stock_prefix: str, prefix: str, quantity: Decimal, task_id: int
) -> list[Row]:
    """The first empty bins under `prefix` in pick order that fit `quantity` and that no other
    putaway task is heading to."""
    return session.execute(_EMPTY_BINS, {
        "warehouse_id": warehouse_id, "stock_prefix": stock_prefix, "prefix": prefix, "quantity": quantity, "task_id": task_id,
    }).all()


def putaway_rules(session: Session, item_id: int) -> list[Row]:
    """(kind, location code, location id) of the item's putaway rules."""
    return session.execute(_RULES, {"item_id": item_id}).all()


def item_stock(session: Session, item_id: int, stock_prefix: str) -> list[Row]:
    """(location id, lot id, on hand) of the item under the prefix, where there is any."""
    return session.execute(_ITEM_STOCK, {"item_id": item_id, "stock_prefix": stock_prefix}).all()


def bin_totals(session: Session, ids: list[int]) -> dict[int, Decimal]:
    """On hand of every item together, per location."""
    return dict(session.execute(_BIN_TOTALS, {"ids": ids}).all())


# --- pick confirm -------------------------------------------------------------------------------

_TARGET_LOCATION = aliased(Location)
# What the task's bin holds of its item and lot, read with the task: a confirm that takes from
# the suggested bin checks it without another round trip.
_TASK_BIN_ON_HAND = (
    select(type_coerce(func.coalesce(func.sum(StockBalance.quantity), 0), Quantity()))
    .where(
        StockBalance.item_id == Task.item_id,
        StockBalance.location_id == Task.location_id,
        StockBalance.lot_id == func.coalesce(Task.lot_id, NO_LOT),
    )
    .scalar_subquery()
)
# Fresh from the database (as tasks.get_task reads a task).
_PICK_CONTEXT = (
    select(Task, SalesOrderLine, Location, _TARGET_LOCATION, _TASK_BIN_ON_HAND)
    .join(SalesOrderLine, SalesOrderLine.id == Task.document_line_id)
    .join(Location, Location.id == Task.location_id)
    .join(_TARGET_LOCATION, _TARGET_LOCATION.id == Task.target_location_id)
    .where(Task.id == bindparam("task_id"))
    .execution_options(populate_existing=True)
)
_RESERVATIONS = Reservation.__table__
_HELD = (
    select(_RESERVATIONS.c.id, _RESERVATIONS.c.quantity)
    .where(
        _RESERVATIONS.c.order_line_id == bindparam("line_id"),
        _RESERVATIONS.c.location_id == bindparam("location_id"),
        func.coalesce(_RESERVATIONS.c.lot_id, 0) == bindparam("lot_key"),
    )
    .order_by(_RESERVATIONS.c.id)
)


_ON_HAND_OF_LOT = select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
    StockBalance.item_id == bindparam("item_id"),
    StockBalance.location_id == bindparam("location_id"),
    StockBalance.lot_id == bindparam("lot_key"),
)


def on_hand_of_lot(session: Session, item_id: int, location_id: int, lot_id: int | None) -> Decimal:
    """What the bin holds of the item in that lot (or without lot), whatever is reserved."""
    return Decimal(session.execute(_ON_HAND_OF_LOT, {"item_id": item_id, "location_id": location_id, "lot_key": lot_id or 0}).scalar_one())


def pick_context(session: Session, task_id: int) -> Row | None:
    """(Task, SalesOrderLine, bin, target location, what the bin holds of the task's item and lot)
    of a pick task in one read."""
    return session.execute(_PICK_CONTEXT, {"task_id": task_id}).first()


def held_reservations(session: Session, order_line_id: int, location_id: int, lot_id: int | None) -> list[Row]:
    """(id, quantity) of the line's reservations in that bin and lot, oldest first."""
    return session.execute(_HELD, {"line_id": order_line_id, "location_id": location_id, "lot_key": lot_id or 0}).all()


# --- back-order release -------------------------------------------------------------------------

_LINES = SalesOrderLine.__table__
_ORDERS = SalesOrder.__table__
_IS_WAITING = (
    _LINES.c.item_id == bindparam("item_id"),
    _ORDERS.c.warehouse_id == bindparam("warehouse_id"),
    _ORDERS.c.state.in_(OPEN_ORDER_STATES),
    _LINES.c.backordered_quantity > 0,
)
_ANY_WAITING = select(_LINES.c.id).join(_ORDERS, _ORDERS.c.id == _LINES.c.order_id).where(*_IS_WAITING).limit(1)
_WAITING = (
    select(SalesOrderLine, SalesOrder, CustomerProfile.backorder_policy)
    .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
    .outerjoin(CustomerProfile, CustomerProfile.partner_id == SalesOrder.customer_id)
    .where(_ORDERS.c.state.in_(OPEN_ORDER_STATES), _LINES.c.backordered_quantity > 0)
    .order_by(SalesOrder.created_at, SalesOrder.id, SalesOrderLine.id)
    .with_for_update(of=_LINES)
)
_WAITING_FOR_ITEMS = _WAITING.where(
    _ORDERS.c.warehouse_id == bindparam("warehouse_id"), _LINES.c.item_id.in_(bindparam("item_ids", expanding=True))
)
_WAITING_OF_ORDERS = _WAITING.where(_ORDERS.c.id.in_(bindparam("order_ids", expanding=True)))


def any_backorder_waiting(session: Session, item_id: int, warehouse_id: int) -> bool:
    """A plain read: most arrivals find no back order, and need not load (and lock) lines."""
    return session.execute(_ANY_WAITING, {"item_id": item_id, "warehouse_id": warehouse_id}).first() is not None


def backorders_waiting(session: Session, warehouse_id: int, item_ids: list[int]) -> list[Row]:
    """(SalesOrderLine, SalesOrder, customer's back-order policy) back ordered for the items in
    the warehouse, oldest order first, locked for the release."""
    return session.execute(_WAITING_FOR_ITEMS, {"warehouse_id": warehouse_id, "item_ids": item_ids}).all()


def backorders_of_orders(session: Session, order_ids: list[int]) -> list[Row]:
    """The same rows for every back-ordered line of these orders, whatever the item."""
    return session.execute(_WAITING_OF_ORDERS, {"order_ids": order_ids}).all()


# --- task queue ---------------------------------------------------------------------------------

_TASKS = Task.__table__
_LAST_POSITION = select(func.coalesce(func.max(_TASKS.c.queue_position), 0)).where(
    _TASKS.c.warehouse_id == bindparam("warehouse_id")
)


def last_queue_position(session: Session, warehouse_id: int) -> int:
    """The queue position of the warehouse's last task (0: none yet)."""
    return session.execute(_LAST_POSITION, {"warehouse_id": warehouse_id}).scalar_one()


_OWN_TERMINAL = select(SyncState.__table__.c.terminal_id)
# Who may claim a task in this database: on a terminal that syncs (its sync_state row exists)
# only the tasks central leased to it, so two terminals never work one task; elsewhere (a lone
# terminal, sessions on the central database) only the tasks no terminal holds.
CLAIMABLE_HERE = (Task.__table__.c.leased_to.is_(None) & ~exists(_OWN_TERMINAL)) | Task.__table__.c.leased_to.in_(_OWN_TERMINAL)


def first_open_task(session: Session, warehouse_id: int, kind: TaskKind | None, batch_ref: str | None) -> int | None:
    """The id of the first open task in queue order (of one kind or batch), locked to claim it;
    SKIP LOCKED (PostgreSQL) steps over rows another terminal is claiming right now."""
    parameters: dict[str, object] = {"warehouse_id": warehouse_id}
    if kind is not None:
        parameters["kind"] = TaskKind(kind).value
    if batch_ref is not None:
        parameters["batch_ref"] = batch_ref
    query = _first_open_task(of_kind=kind is not None, of_batch=batch_ref is not None)
    return session.execute(query, parameters).scalar_one_or_none()


@cache
def _first_open_task(*, of_kind: bool, of_batch: bool):
    # Built once for each of the four shapes: a floor scan that finishes a task claims the next.
    query = select(_TASKS.c.id).where(
        _TASKS.c.warehouse_id == bindparam("warehouse_id"), _TASKS.c.state == TaskState.OPEN.value, CLAIMABLE_HERE)
    if of_kind:
        query = query.where(_TASKS.c.kind == bindparam("kind"))
    if of_batch:
        query = query.where(_TASKS.c.batch_ref == bindparam("batch_ref"))
    return query.order_by(_TASKS.c.queue_position, _TASKS.c.id).limit(1).with_for_update(skip_locked=True)


# --- bulk order confirmation and allocation ------------------------------------------------------

# Chunks keep the IN list under the drivers' parameter limits.
LINES_CHUNK = 5000


def _lines_of_orders(*quantities):
    # Each reader takes only the quantities it uses: a morning's lines are tens of thousands of
    # rows, and every scaled column read is a Decimal made.
    return (
        select(_LINES.c.id, _LINES.c.order_id, _LINES.c.item_id, *quantities)
        .where(_LINES.c.order_id.in_(bindparam("order_ids", expanding=True)))
        .order_by(_LINES.c.id)
    )


_LINES_TO_CONFIRM = _lines_of_orders(_LINES.c.quantity, _LINES.c.unit_price)
_LINES_TO_ALLOCATE = _lines_of_orders(
    _LINES.c.committed_quantity, _LINES.c.backordered_quantity, _LINES.c.picked_quantity, _LINES.c.shipped_quantity
)


def _by_order(session: Session, statement, order_ids: list[int]) -> dict[int, list[Row]]:
    found: dict[int, list[Row]] = defaultdict(list)
    for start in range(0, len(order_ids), LINES_CHUNK):
        for row in session.execute(statement, {"order_ids": order_ids[start : start + LINES_CHUNK]}):
            found[row.order_id].append(row)
    return found


def lines_to_confirm(session: Session, order_ids: list[int]) -> dict[int, list[Row]]:
    """(id, order_id, item_id, quantity, unit_price) of the orders' lines, per order id, in line order."""
    return _by_order(session, _LINES_TO_CONFIRM, order_ids)


def lines_to_allocate(session: Session, order_ids: list[int]) -> dict[int, list[Row]]:
    """(id, order_id, item_id, committed, back-ordered, picked and shipped quantities) of the
    orders' lines, per order id, in line order."""
    return _by_order(session, _LINES_TO_ALLOCATE, order_ids)

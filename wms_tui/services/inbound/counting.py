"""Cycle counts (blind, by location), adjustments through Inventory Loss, and scrap.

The counter never sees the expected quantity. A variance is measured against the stock at the
moment the count is entered, so picks and putaways made while the count was running are not
mistaken for losses; a variance above the session threshold is counted again before it posts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.inbound import recount_needed
from wms_tui.domain.items import Tracking
from wms_tui.domain.quantities import ZERO
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import PENDING_TASK_STATES, CountLineState, CountTaskReason, TaskKind
from wms_tui.services import tasks
from wms_tui.services.inbound.common import (
    add_numbered,
    require_internal_bin,
    shared,
    take_stock,
)
from wms_tui.services.outbound.replan import replan_after_loss
from wms_tui.services.posting import post
from wms_tui.store import finders
from wms_tui.store.ledger import MoveRequest, PostingContext
from wms_tui.store.models import (
    NO_LOT,
    CountLine,
    CountSession,
    Item,
    Location,
    Lot,
    StockBalance,
    Task,
)

# The floor count flow imports this name (for the task reason and the line state alike).
RECOUNT = CountTaskReason.RECOUNT


@dataclass(frozen=True)
class CountPlan:
    number: str
    task_ids: list[int]


def on_hand(session: Session, item_id: int, location_id: int, lot_id: int | None) -> Decimal:
    """What the ledger holds of the item (and lot) in the location: what a count is measured against."""
    return Decimal(session.exec(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.item_id == item_id, StockBalance.location_id == location_id,
            StockBalance.lot_id == (lot_id or NO_LOT),
        )
    ).one())


def plan_cycle_count(
    session: Session, warehouse_code: str, location_codes: Sequence[str], *, recount_threshold: object = "0"
) -> CountPlan:
    """One count task per location, listing the items (and lots) the ledger says are there."""
    warehouse = finders.warehouse_by_code(session, warehouse_code)
    threshold = quantities.counted_quantity(recount_threshold)
    if not location_codes:
        raise InvalidInput("a cycle count needs at least one location")
    locations = [finders.location_by_code(session, code) for code in location_codes]
    for location in locations:
        require_internal_bin(location, warehouse.id, "cycle count")
    count = add_numbered(
        session, CountSession(warehouse_id=warehouse.id, recount_threshold=threshold, created_at=datetime.now(UTC)), "CC"
    )
    task_ids = []
    for location in locations:
        stock = session.exec(
            select(StockBalance.item_id, StockBalance.lot_id, func.sum(StockBalance.quantity))
            .where(StockBalance.location_id == location.id)
            .group_by(StockBalance.item_id, StockBalance.lot_id)
            .having(func.sum(StockBalance.quantity) != 0)
            .order_by(StockBalance.item_id, StockBalance.lot_id)
        ).all()
        for item_id, lot_id, on_hand in stock:
            session.add(CountLine(session_id=count.id, location_id=location.id, item_id=item_id,
                                  lot_id=None if lot_id == NO_LOT else lot_id, snapshot_quantity=Decimal(on_hand)))
        task = tasks.create_task(session, tasks.NewTask(
            kind=tasks.TaskKind.COUNT, warehouse_id=warehouse.id, location_id=location.id,
            document_ref=count.number, reason=CountTaskReason.CYCLE_COUNT,
        ))
        task_ids.append(task.id)
    session.flush()
    return CountPlan(count.number, task_ids)


@dataclass(frozen=True)
class SheetLine:
    """A line as the counter sees it: what to count, never how many are expected."""

    line_id: int
    sku: str
    name: str
    lot_code: str | None


def _lines_for(session: Session, task: Task) -> list[CountLine]:
    count = finders.count_session_by_number(session, task.document_ref)
    wanted = CountLineState.RECOUNT if task.reason == CountTaskReason.RECOUNT else CountLineState.OPEN
    return list(session.exec(
        select(CountLine).where(CountLine.session_id == count.id, CountLine.location_id == task.location_id, CountLine.state == wanted)
        .order_by(CountLine.id)
    ).all())


def count_sheet(session: Session, task_id: int) -> list[SheetLine]:
    task = tasks.get_task(session, task_id)
    if task.kind != tasks.TaskKind.COUNT:
        raise InvalidInput(f"task {task_id} is a {task.kind} task, not a count")
    sheet = []
    for line in _lines_for(session, task):
        item = session.get(Item, line.item_id)
        lot = session.get(Lot, line.lot_id) if line.lot_id else None
        sheet.append(SheetLine(line.id, item.sku, item.name, lot.code if lot else None))
    return sheet


@dataclass(frozen=True)
class CountResult:
    line_id: int
    sku: str
    state: CountLineState  # posted or recount
    variance: Decimal | None  # posted variance (counted - expected); None while a recount is pending
    moved_during_count: Decimal  # stock that moved in or out since the count was planned


def record_count(
    session: Session, context: PostingContext, task_id: int, line_id: int, counted: object, *, reason: str | None = None
) -> CountResult:
    """Enter the quantity counted for one sheet line of a claimed count task."""
    task = tasks.require_claimed(session, task_id, context.operator, tasks.TaskKind.COUNT)
    line = session.get(CountLine, line_id)
    if line is None or line not in _lines_for(session, task):
        raise NotFound(f"line {line_id} is not on the sheet of count task {task_id}")
    quantity = quantities.counted_quantity(counted)
    count = session.get(CountSession, line.session_id)
    item = session.get(Item, line.item_id)
    location = session.get(Location, line.location_id)
    expected = on_hand(session, line.item_id, line.location_id, line.lot_id)
    moved = expected - line.snapshot_quantity
    line.counted_by = context.operator
    if recount_needed(expected, quantity, count.recount_threshold, line.state == CountLineState.RECOUNT):
        line.first_count, line.state = quantity, CountLineState.RECOUNT
        _queue_recount(session, task, count)
        _finish_if_done(session, task)
        return CountResult(line.id, item.sku, CountLineState.RECOUNT, None, moved)
    variance = _post_count(session, context, count, line, item, location, quantity, expected, reason)
    _finish_if_done(session, task)
    return CountResult(line.id, item.sku, CountLineState.POSTED, variance, moved)


def _post_count(
    session: Session, context: PostingContext, count: CountSession, line: CountLine, item: Item, location: Location,
    quantity: Decimal, expected: Decimal, reason: str | None,
) -> Decimal:
    """Post the line's variance (counted - expected) to or from Inventory Loss; the line is posted."""
    variance = quantity - expected
    if variance != 0:
        if not reason or not reason.strip():
            raise InvalidInput(f"count of {item.sku} at {location.code} differs from stock: give a reason")
        loss = shared(session, "INVENTORY-LOSS")
        if variance > 0:
            moves = [MoveRequest(item.id, loss.id, location.id, variance, lot_id=line.lot_id)]
        else:
            moves = [
                MoveRequest(item.id, location.id, loss.id, portion.quantity, lot_id=portion.lot_id, container_id=portion.container_id)
                for portion in take_stock(session, item, location, -variance, lot_id=line.lot_id, include_reserved=True)
            ]
        post(session, context, [
            MoveRequest(m.item_id, m.from_location_id, m.to_location_id, m.quantity, lot_id=m.lot_id,
                        container_id=m.container_id, document_ref=count.number, document_line_id=line.id,
                        reason=MoveReason.CYCLE_COUNT)
            for m in moves
        ])
        if variance < 0:  # what was reserved there may be gone: re-plan those order lines
            replan_after_loss(session, context, item.id, location, line.lot_id)
    line.counted_quantity, line.expected_quantity, line.state = quantity, expected, CountLineState.POSTED
    line.reason = reason.strip()[:40] if reason else None
    session.flush()
    return variance


def record_unlisted(
    session: Session,
    context: PostingContext,
    task_id: int,
    barcode: str,
    counted: object,
    *,
    lot_code: str | None = None,
    reason: str | None = None,
) -> CountResult:
    """The counter finds an item (or lot) the sheet does not list: it joins the sheet and is
    counted like the others (expected is what the ledger holds there, often zero)."""
    task = tasks.require_claimed(session, task_id, context.operator, tasks.TaskKind.COUNT)
    item = finders.item_by_scan(session, barcode).item
    lot_id = None
    if lot_code is not None:
        lot = finders.find_lot(session, item, lot_code)
        if lot is None:
            raise NotFound(f"item {item.sku} has no lot {lot_code!r}: receive it before counting it in")
        lot_id = lot.id
    elif Tracking(item.tracking) is not Tracking.NONE:
        raise InvalidInput(f"item {item.sku} is lot-tracked: scan the lot you found")
    count = finders.count_session_by_number(session, task.document_ref)
    listed = session.exec(select(CountLine).where(
        CountLine.session_id == count.id, CountLine.location_id == task.location_id,
        CountLine.item_id == item.id, CountLine.lot_id == lot_id if lot_id else CountLine.lot_id.is_(None),
    )).first()
    if listed is not None:
        raise InvalidInput(f"{item.sku} is already on the sheet of count task {task_id}: count it there")
    line = CountLine(session_id=count.id, location_id=task.location_id, item_id=item.id, lot_id=lot_id,
                     snapshot_quantity=on_hand(session, item.id, task.location_id, lot_id),
                     state=CountLineState.RECOUNT if task.reason == CountTaskReason.RECOUNT else CountLineState.OPEN)
    session.add(line)
    session.flush()
    return record_count(session, context, task_id, line.id, counted, reason=reason)


def _queue_recount(session: Session, task: Task, count: CountSession) -> None:
    waiting = session.exec(select(Task.id).where(
        Task.kind == TaskKind.COUNT, Task.document_ref == count.number, Task.location_id == task.location_id,
        Task.reason == CountTaskReason.RECOUNT, Task.state.in_(PENDING_TASK_STATES),
    )).first()
    if waiting is None:
        tasks.create_task(session, tasks.NewTask(
            kind=tasks.TaskKind.COUNT, warehouse_id=task.warehouse_id, location_id=task.location_id,
            document_ref=count.number, reason=CountTaskReason.RECOUNT,
        ))


def _finish_if_done(session: Session, task: Task) -> None:
    session.flush()
    if not _lines_for(session, task):
        tasks.complete_task(session, task)


def _difference_to_decide(session: Session, line_id: int) -> tuple[CountLine, CountSession, Item, Location]:
    line = session.get(CountLine, line_id)
    if line is None:
        raise NotFound(f"no count line {line_id}")
    item, location = session.get(Item, line.item_id), session.get(Location, line.location_id)
    if line.state != CountLineState.RECOUNT:
        raise InvalidInput(f"count of {item.sku} at {location.code} is {line.state}: only a difference over the threshold "
                           "waiting for its recount can be approved or rejected")
    return line, session.get(CountSession, line.session_id), item, location


def _recount_decided(session: Session, count: CountSession, line: CountLine) -> None:
    """The recount task of the line's location goes once no line there waits for it."""
    session.flush()
    waiting = session.exec(select(CountLine.id).where(
        CountLine.session_id == count.id, CountLine.location_id == line.location_id, CountLine.state == CountLineState.RECOUNT,
    )).first()
    if waiting is None:
        tasks.cancel_tasks(session, session.exec(select(Task.id).where(
            Task.kind == TaskKind.COUNT, Task.document_ref == count.number, Task.location_id == line.location_id,
            Task.reason == CountTaskReason.RECOUNT, Task.state.in_(PENDING_TASK_STATES),
        )).all())


def approve_count_difference(session: Session, context: PostingContext, line_id: int) -> CountResult:
    """A supervisor accepts a first count over the threshold without a recount: its variance
    against the stock now posts, with the supervisor as the reason."""
    line, count, item, location = _difference_to_decide(session, line_id)
    expected = on_hand(session, line.item_id, line.location_id, line.lot_id)
    variance = _post_count(session, context, count, line, item, location, line.first_count, expected,
                           f"approved by {context.operator}")
    _recount_decided(session, count, line)
    return CountResult(line.id, item.sku, CountLineState.POSTED, variance, expected - line.snapshot_quantity)


def approve_recount(session: Session, terminal_id: str, task_id: int, counter: str, supervisor: str) -> list[CountResult]:
    """At the counter's terminal, a supervisor (already authenticated) approves the first count of
    every line the counter's recount asks for: the differences post as the supervisor's, and the
    recount, left with nothing to count, is cancelled."""
    task = tasks.require_claimed(session, task_id, counter, tasks.TaskKind.COUNT)
    if task.reason != CountTaskReason.RECOUNT:
        raise InvalidInput("nothing to approve: only a difference waiting for its recount can be")
    context = PostingContext(terminal_id, supervisor)
    return [approve_count_difference(session, context, line.line_id) for line in count_sheet(session, task.id)]


def reject_count_difference(session: Session, operator: str, line_id: int) -> CountResult:
    """A supervisor keeps the ledger's quantity: the first count is kept on the line, nothing posts."""
    line, count, item, _location = _difference_to_decide(session, line_id)
    expected = on_hand(session, line.item_id, line.location_id, line.lot_id)
    line.counted_quantity, line.expected_quantity, line.state = line.first_count, expected, CountLineState.REJECTED
    line.reason = f"rejected by {operator}"[:40]
    _recount_decided(session, count, line)
    return CountResult(line.id, item.sku, CountLineState.REJECTED, ZERO, expected - line.snapshot_quantity)


def scrap(
    session: Session,
    context: PostingContext,
    sku: str,
    location_code: str,
    quantity: object,
    reason: str,
    *,
    lot_code: str | None = None,
) -> Decimal:
    """Move damaged or expired goods from a bin to Scrap, with the reason."""
    item = finders.item_by_sku(session, sku)
    location = finders.location_by_code(session, location_code)
    require_internal_bin(location, location.warehouse_id, f"scrapping {item.sku}")
    if not reason or not reason.strip():
        raise InvalidInput(f"scrapping {item.sku} at {location.code} needs a reason")
    amount = quantities.move_quantity(quantity)
    lot_id = None
    if lot_code is not None:
        lot_id = finders.lot_by_code(session, item, lot_code).id
    target = shared(session, "SCRAP")
    # A scrap has no document: its reference keeps the person's reason beside the move's code.
    reference = f"SCRAP: {reason.strip()}"[:60]
    post(session, context, [
        MoveRequest(item.id, location.id, target.id, portion.quantity, lot_id=portion.lot_id,
                    container_id=portion.container_id, reason=MoveReason.SCRAP, document_ref=reference)
        for portion in take_stock(session, item, location, amount, lot_id=lot_id)
    ])
    return amount

"""Pick confirm and short pick: one scan sequence of a claimed pick task, posted to the ledger.

The picker scans the bin (check digits verified), the item (GTIN or packaging barcode, a case
counts its units) and the lot. Another bin or lot than suggested is accepted when it holds that
much stock nobody else reserved; the task's reservation is released as the picked units leave.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, update
from sqlmodel import Session, select

from wms_tui.domain import quantities
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.locations import LocationKind, code_from_barcode
from wms_tui.domain.outbound import (
    OrderState,
    ShortPickOutcome,
    ShortPickReason,
    reason_code,
    short_pick_outcome,
)
from wms_tui.domain.quantities import ZERO, display
from wms_tui.domain.reasons import PICKING, MoveReason
from wms_tui.domain.states import ContainerState, CountTaskReason, TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.backorders import release_waiting
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.common import (
    is_expired,
    order_policy,
    resolve_lot,
    scanned_units,
    warehouse_zones,
)
from wms_tui.services.posting import post, reverse
from wms_tui.services.tasks import NewTask
from wms_tui.store import finders, views, writes
from wms_tui.store.ledger import MoveRequest, PostingContext, standing_moves
from wms_tui.store.models import (
    Item,
    Location,
    Lot,
    PickDiscrepancy,
    Reservation,
    SalesOrder,
    SalesOrderLine,
    ShippingContainer,
    StockBalance,
    Task,
)


@dataclass(frozen=True)
class PickResult:
    task_id: int
    picked: Decimal
    remaining: Decimal
    task_done: bool
    location_code: str
    lot_id: int | None


@dataclass(frozen=True)
class ShortPickResult:
    task_id: int
    short: Decimal
    outcome: ShortPickOutcome
    count_task_id: int
    reallocated: Decimal = ZERO  # units queued as new pick tasks from other bins


def release_reservation(session: Session, task: Task, quantity: Decimal) -> None:
    """Take `quantity` off the reservations behind the task (same line, bin and lot)."""
    dropped: list[int] = []
    shrunk: dict[int, Decimal] = {}
    for reservation_id, reserved in views.held_reservations(session, task.document_line_id, task.location_id, task.lot_id):
        if quantity <= 0:
            break
        take = min(quantity, reserved)
        quantity -= take
        if take == reserved:
            dropped.append(reservation_id)
        else:
            shrunk[reservation_id] = reserved - take
    writes.set_reservations(session, dropped, shrunk)


def _free_at(session: Session, item_id: int, location_id: int, lot_id: int | None) -> Decimal:
    lot_key = lot_id or 0
    on_hand = session.execute(
        select(func.coalesce(func.sum(StockBalance.quantity), 0)).where(
            StockBalance.item_id == item_id, StockBalance.location_id == location_id, StockBalance.lot_id == lot_key
        )
    ).scalar_one()
    reserved = session.execute(
        select(func.coalesce(func.sum(Reservation.quantity), 0)).where(
            Reservation.item_id == item_id,
            Reservation.location_id == location_id,
            Reservation.lot_id == lot_id if lot_id else Reservation.lot_id.is_(None),
        )
    ).scalar_one()
    return Decimal(on_hand) - Decimal(reserved)


def picked_quantities(line: SalesOrderLine, target: Location, units: Decimal) -> dict[str, Decimal]:
    """The line's quantities that change when units arrive where the order's picks go (picked,
    or cross-docked): picked for the line; in a one-step delivery that place is the customer, so
    they are shipped as well."""
    changed = {"picked_quantity": line.picked_quantity + units}
    if target.kind == LocationKind.CUSTOMER:
        changed["shipped_quantity"] = line.shipped_quantity + units
        changed["committed_quantity"] = line.committed_quantity - units
    return changed


def record_picked(line: SalesOrderLine, target: Location, units: Decimal) -> None:
    """`picked_quantities` set on the loaded line (saved by the caller's flush)."""
    for name, value in picked_quantities(line, target, units).items():
        setattr(line, name, value)


def _stock_bin_problem(session: Session, task: Task, location: Location, suggested: Location) -> str | None:
    """Why `location` is no place to pick the task's item from instead of the suggested bin."""
    zones = warehouse_zones(session, task.warehouse_id)
    stock_zone = zones.stock.code
    in_stock_zone = location.code == stock_zone or location.code.startswith(f"{stock_zone}/")
    if location.kind != LocationKind.INTERNAL or not in_stock_zone or location.warehouse_id != task.warehouse_id:
        return f"wrong location {location.code}: not a stock bin; pick from {suggested.code}"
    return None


def check_pick_bin(session: Session, task_id: int, operator: str, location_code: str) -> Location:
    """The bin a picker scanned for a claimed task: the suggested one, or another stock bin of
    the warehouse where some of the item is free (how much is checked when the units are)."""
    found = views.pick_context(session, task_id)
    if found is None:
        tasks.require_claimed(session, task_id, operator, TaskKind.PICK)
        raise NotFound(f"pick task {task_id} has no order line or location")
    task, _line, suggested, _target, _held = found
    tasks.check_claimed(task, operator, TaskKind.PICK)
    if location_code == suggested.code:
        return suggested
    location = finders.find_location(session, location_code)
    if location is None:
        raise NotFound(f"no location {location_code}: scan the bin label of {suggested.code}")
    problem = _stock_bin_problem(session, task, location, suggested)
    if problem:
        raise InvalidInput(problem)
    if _free_of_item_at(session, task.item_id, location.id) <= 0:
        raise InvalidInput(f"{location.code} has no free {task_item_sku(session, task)}: pick from {suggested.code}")
    return location


def task_item_sku(session: Session, task: Task) -> str:
    return session.get(Item, task.item_id).sku


def _free_of_item_at(session: Session, item_id: int, location_id: int) -> Decimal:
    """Units of the item at the location (any lot) nobody reserved."""
    on_hand = session.execute(
        select(func.coalesce(func.sum(StockBalance.quantity), 0))
        .where(StockBalance.item_id == item_id, StockBalance.location_id == location_id)
    ).scalar_one()
    reserved = session.execute(
        select(func.coalesce(func.sum(Reservation.quantity), 0))
        .where(Reservation.item_id == item_id, Reservation.location_id == location_id)
    ).scalar_one()
    return Decimal(on_hand) - Decimal(reserved)


def _into_tote(session: Session, task: Task, tote: str | None) -> tuple[Task, dict[str, object]]:
    """The task whose units go into `tote`, and its columns to save with the pick: the tote
    becomes the task's (so the packer can scan it); units already picked into another tote stay
    on a finished task of their own and the rest continues as a new task, claimed the same,
    with the new tote."""
    if tote is None or task.tote == tote:
        return task, {}
    if task.tote is None or task.done_quantity == 0:
        return task, {"tote": tote}
    [rest_id] = tasks.create_tasks(session, [NewTask(
        TaskKind.PICK, task.warehouse_id, location_id=task.location_id, target_location_id=task.target_location_id,
        item_id=task.item_id, lot_id=task.lot_id, quantity=task.quantity - task.done_quantity,
        document_ref=task.document_ref, document_line_id=task.document_line_id, batch_ref=task.batch_ref, tote=tote,
    )])
    rest = tasks.claim_task(session, rest_id, task.assignee)
    task.quantity = task.done_quantity
    tasks.complete_task(session, task)
    return rest, {}


def confirm_pick(
    session: Session,
    context: PostingContext,
    task_id: int,
    *,
    location_scan: str,
    item_scan: str,
    packages: object | None = None,
    units: Decimal | None = None,
    lot_code: str | None = None,
    expiry: date | None = None,
    tote: str | None = None,
    today: date | None = None,
) -> PickResult:
    """Confirm picking `packages` scans (default one) of the scanned barcode for the task, or
    `units` counted by scanning (the barcode then only names the item), into `tote` when
    given (it becomes the task's tote)."""
    found = views.pick_context(session, task_id)
    if found is None:
        # Not a pick task with its line and locations: say why, as for any other task.
        tasks.require_claimed(session, task_id, context.operator, TaskKind.PICK)
        raise NotFound(f"pick task {task_id} has no order line or location")
    task, line, suggested, target, held = found
    tasks.check_claimed(task, context.operator, TaskKind.PICK)
    code = code_from_barcode(location_scan)
    location = suggested if code == suggested.code else finders.find_location(session, code)
    if location is None:
        raise NotFound(f"no location {code}: scan the bin label of {suggested.code}")
    scan = finders.item_by_scan(session, item_scan)
    if scan.item.id != task.item_id:
        raise InvalidInput(f"wrong item {scan.item.sku}: this task picks item id {task.item_id} from {suggested.code}")
    units = scanned_units(scan, packages) if units is None else quantities.move_quantity(units)
    lot = resolve_lot(session, scan.item, lot_code, expiry)
    if is_expired(lot, today or datetime.now(UTC).date()):
        raise InvalidInput(f"lot {lot.code} of {scan.item.sku} expired on {lot.expiry_date}: never pick it, take another lot")
    remaining = task.quantity - task.done_quantity
    if units > remaining:
        raise InvalidInput(f"over-pick: {display(units)} {scan.item.sku} scanned, only {display(remaining)} left to pick on this task")
    if task.batch_ref and task.tote and tote is not None and tote.strip() != task.tote:
        raise InvalidInput(f"wrong tote {tote.strip()}: put {scan.item.sku} into tote {task.tote}")
    lot_id = lot.id if lot else None
    if location.id != task.location_id or lot_id != task.lot_id:
        problem = _stock_bin_problem(session, task, location, suggested)
        if problem:
            raise InvalidInput(problem)
        free = _free_at(session, task.item_id, location.id, lot_id)
        if free < units:
            where = f"{location.code}" + (f" lot {lot.code}" if lot else "")
            allocated = session.get(Lot, task.lot_id) if task.lot_id else None
            wanted = f"lot {allocated.code} from {suggested.code}" if allocated else suggested.code
            raise InvalidInput(f"wrong location or lot: {where} has only {display(max(free, ZERO))} {scan.item.sku} free; pick {wanted}")
    elif held < units:
        what = f"{scan.item.sku}" + (f" lot {lot.code}" if lot else "")
        raise InvalidInput(
            f"{location.code} holds only {display(max(held, ZERO))} {what}: pick what is there and short pick the rest;"
            " the bin will be counted"
        )
    task, saved = _into_tote(session, task, tote.strip() if tote else None)
    post(
        session, context,
        [MoveRequest(task.item_id, location.id, task.target_location_id, units, lot_id=lot_id,
                     document_ref=task.document_ref, document_line_id=line.id, reason=MoveReason.PICK)],
    )
    release_reservation(session, task, units)
    writes.save_columns(session, line, picked_quantities(line, target, units))
    saved["done_quantity"] = task.done_quantity + units
    if saved["done_quantity"] == task.quantity:
        saved.update(tasks.completion(task))
    writes.save_columns(session, task, saved)
    session.flush()
    return PickResult(task.id, units, task.quantity - task.done_quantity, task.state == TaskState.DONE, location.code, lot_id)


def short_pick(session: Session, context: PostingContext, task_id: int, *, reason: str, today: date | None = None) -> ShortPickResult:
    """The bin does not hold what is left on the task: close it short (what was found is
    picked first, with `confirm_pick`).

    The bin gets a count task (allocation avoids it until counted) and the discrepancy is
    recorded. The missing units are allocated again from stock elsewhere (a new pick task
    for the same tote); what no other bin has follows the order's back-order policy.
    """
    code = reason_code(reason, ShortPickReason, "short-pick reason")
    task = tasks.require_claimed(session, task_id, context.operator, TaskKind.PICK)
    short = task.quantity - task.done_quantity
    line = session.get(SalesOrderLine, task.document_line_id)
    order = session.get(SalesOrder, line.order_id)
    [count_id] = tasks.create_tasks(
        session,
        [NewTask(TaskKind.COUNT, task.warehouse_id, location_id=task.location_id, item_id=task.item_id,
                 lot_id=task.lot_id, document_ref=order.number, reason=CountTaskReason.SHORT_PICK)],
    )
    discrepancy = PickDiscrepancy(
        task_id=task.id, order_line_id=line.id, location_id=task.location_id, item_id=task.item_id,
        lot_id=task.lot_id, expected_quantity=task.quantity, picked_quantity=task.done_quantity,
        reason_code=code, operator=context.operator, count_task_id=count_id, created_at=datetime.now(UTC),
    )
    session.add(discrepancy)
    release_reservation(session, task, short)
    task.reason = code
    tasks.complete_task(session, task)
    # Central owns allocation: a terminal that syncs allocates nothing itself, the missing
    # units follow the order's back-order policy and central, told of that decision, first
    # allocates them from other bins (terminal_progress.record_short_picks).
    replanned = ZERO if finders.own_terminal(session) else sum(
        (new.quantity for new in pick_elsewhere(session, task, order, line, today)), ZERO)
    missing = short - replanned
    outcome = give_up_units(session, context, order, line, missing) if missing > 0 else ShortPickOutcome.REALLOCATED
    discrepancy.outcome, discrepancy.given_up_quantity = outcome, missing
    session.flush()
    return ShortPickResult(task.id, short, outcome, count_id, replanned)


def pick_elsewhere(session: Session, task: Task, order: SalesOrder, line: SalesOrderLine, today: date | None) -> list[Task]:
    """The short line's missing units allocated again from other bins: the new pick tasks, which
    go into the same tote (and batch); none when no other bin has free stock or the order waits."""
    if order.state != OrderState.CONFIRMED:
        return []
    result = allocate(session, [order.number], today=today)
    planned = [new for new in session.exec(select(Task).where(Task.id.in_(result.task_ids))).all()
               if new.document_line_id == line.id]
    for new in planned:
        new.batch_ref, new.tote = task.batch_ref, task.tote
    return planned


def give_up_units(session: Session, context: PostingContext, order: SalesOrder, line: SalesOrderLine, units: Decimal) -> ShortPickOutcome:
    """Committed units of a line the warehouse cannot supply (a short pick, a count that found
    less) leave it by the order's back-order policy: back ordered, cancelled, or the whole order
    cancelled when it ships all or nothing."""
    outcome = short_pick_outcome(order_policy(session, order))
    if outcome is ShortPickOutcome.CANCEL_ORDER:
        _cancel_unshipped(session, context, order)
    else:
        take_off_line(line, outcome, units)
    return outcome


def take_off_line(line: SalesOrderLine, outcome: ShortPickOutcome, units: Decimal) -> None:
    """Committed units leave the line back ordered or cancelled."""
    line.committed_quantity -= units
    if outcome is ShortPickOutcome.BACKORDER:
        line.backordered_quantity += units
    else:
        line.cancelled_quantity += units


def _cancel_unshipped(session: Session, context: PostingContext, order: SalesOrder) -> None:
    """Ship nothing: put picked (and packed) goods back where they came from, then cancel the rest."""
    customers = session.exec(select(Location.id).where(Location.kind == LocationKind.CUSTOMER)).all()
    put_back = [spelling for reason in (*PICKING, MoveReason.PACK) for spelling in reason.spellings]
    picks = standing_moves(session.connection(), order.number, reasons=put_back, not_to=customers)
    reverse(session, context, picks, MoveReason.SHORT_PICK_CANCEL)
    cancel_unshipped_rest(session, order)


def cancel_unshipped_rest(session: Session, order: SalesOrder) -> None:
    """What an order that ships nothing more leaves behind once its goods are back (where the
    terminal put them back, central only records this): its open picks cancelled, containers not
    shipped void, what is not shipped cancelled, and the stock it held offered to waiting back
    orders."""
    open_picks = session.exec(select(Task.id).where(Task.document_ref == order.number, Task.kind == TaskKind.PICK)).all()
    tasks.cancel_tasks(session, list(open_picks))
    session.execute(
        update(ShippingContainer)
        .where(ShippingContainer.order_id == order.id, ShippingContainer.state.in_([ContainerState.OPEN, ContainerState.CLOSED]))
        .values(state=ContainerState.VOID)
    )
    lines = session.exec(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)).all()
    writes.drop_reservations_of_lines(session, [line.id for line in lines])
    for line in lines:
        line.picked_quantity = line.shipped_quantity
        line.cancelled_quantity = line.quantity - line.shipped_quantity
        line.committed_quantity = ZERO
        line.backordered_quantity = ZERO
    if all(line.shipped_quantity == 0 for line in lines):
        order.state = OrderState.CANCELLED
    release_waiting(session, order.warehouse_id, {line.item_id for line in lines})

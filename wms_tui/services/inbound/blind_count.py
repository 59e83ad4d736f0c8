"""A blind count at a terminal: the count a scanned bin starts, the sheet the counter works
through, which differences still need a reason, and submitting the whole bin at once (every
sheet line not counted is counted as zero; items the sheet does not list join it)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.inbound import recount_needed
from wms_tui.domain.states import TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.inbound.counting import (
    RECOUNT,
    CountResult,
    SheetLine,
    count_sheet,
    on_hand,
    plan_cycle_count,
    record_count,
    record_unlisted,
)
from wms_tui.store import finders
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import Location, Task

Key = tuple[str, str | None]  # what was counted: (SKU, lot code or None)


def count_task_at(session: Session, warehouse_id: int, location_code: str, operator: str) -> Task | None:
    """The count planned for the bin (open, or already the operator's), first in queue order."""
    location = finders.location_by_code(session, location_code)
    return session.exec(
        select(Task).where(
            Task.warehouse_id == warehouse_id, Task.kind == TaskKind.COUNT.value, Task.location_id == location.id,
            tasks.available_to(operator),
        ).order_by(Task.queue_position, Task.id)
    ).first()


@dataclass(frozen=True)
class CountStart:
    task_id: int
    bin: str
    sheet: list[SheetLine]
    recount: bool


def begin_count(session: Session, task_id: int, operator: str, warehouse_code: str) -> CountStart:
    """Claim the count and give its sheet. A count a short pick asked for (no sheet of its own)
    becomes a cycle count of its bin: the sheet lists what the ledger holds there, and the
    short-pick task is done by it."""
    task = tasks.claim_task(session, task_id, operator)
    code = session.get(Location, task.location_id).code
    if finders.find_count_session(session, task.document_ref) is None:
        plan = plan_cycle_count(session, warehouse_code, [code])
        tasks.complete_task(session, task)
        task = tasks.claim_task(session, plan.task_ids[0], operator)
    return CountStart(task.id, code, count_sheet(session, task.id), task.reason == RECOUNT)


def lot_known(session: Session, sku: str, lot: str) -> bool:
    return finders.find_lot(session, finders.item_by_sku(session, sku), lot) is not None


def _expected(session: Session, key: Key, location_id: int) -> Decimal:
    sku, code = key
    item = finders.item_by_sku(session, sku)
    lot = None
    if code is not None:
        lot = finders.find_lot(session, item, code)
        if lot is None:
            return Decimal(0)
    return on_hand(session, item.id, location_id, lot.id if lot else None)


def unexplained(session: Session, task_id: int, operator: str, listed: Sequence[Key], counted: Mapping[Key, Decimal],
                explained: Collection[Key], recount: bool) -> Key | None:
    """The first difference that will post on submit (no recount left for it) and has no reason
    yet: sheet lines first, then what the sheet does not list."""
    task = tasks.require_claimed(session, task_id, operator, TaskKind.COUNT)
    count = finders.count_session_by_number(session, task.document_ref)
    for key in [*listed, *(key for key in counted if key not in listed)]:
        if key in explained:
            continue
        expected = _expected(session, key, task.location_id)
        found = counted.get(key, Decimal(0))
        if not recount_needed(expected, found, count.recount_threshold, recount) and found != expected:
            return key
    return None


@dataclass(frozen=True)
class CountSubmitted:
    results: list[CountResult]
    recount: Task | None  # the recount of the bin to take at once, when lines must be counted again


def submit(session: Session, posting: PostingContext, task_id: int, sheet: Mapping[Key, int], counted: Mapping[Key, Decimal],
           barcodes: Mapping[Key, str], reasons: Mapping[Key, str]) -> CountSubmitted:
    """Record the bin's count: `sheet` maps each listed key to its sheet line, `barcodes` gives
    the scanned barcode of every counted key the sheet does not list."""
    task = tasks.require_claimed(session, task_id, posting.operator, TaskKind.COUNT)
    if not sheet and not counted:  # an empty bin, found empty: nothing to record
        tasks.complete_task(session, task)
    # Unlisted items first: the last sheet line recorded finishes the task.
    results = [
        record_unlisted(session, posting, task.id, barcodes[key], total, lot_code=key[1], reason=reasons.get(key))
        for key, total in counted.items() if key not in sheet
    ]
    results += [
        record_count(session, posting, task.id, line_id, counted.get(key, Decimal(0)), reason=reasons.get(key))
        for key, line_id in sheet.items()
    ]
    recount = None
    if any(result.state == RECOUNT for result in results):
        recount = session.exec(
            select(Task).where(Task.kind == TaskKind.COUNT.value, Task.document_ref == task.document_ref,
                               Task.location_id == task.location_id, Task.reason == RECOUNT,
                               Task.state == TaskState.OPEN.value).order_by(Task.id)
        ).first()
    return CountSubmitted(results, recount)

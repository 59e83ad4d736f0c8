"""The exceptions desk: short picks, count differences over their threshold, over-receipts,
failed prints, sync conflicts (a bin driven negative, a task done twice) and stock exceptions,
each resolved once by a supervisor's badge and PIN, and the resolution recorded (who, when, how):
in exception_resolution, or on the stock exception itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from labels import PrintQueue
from labels.queue import JobStatus
from wms_tui.domain.auth import SecurityPolicy
from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.quantities import display
from wms_tui.domain.states import CountLineState, ExceptionKind, Resolution
from wms_tui.services import operators, stock_exceptions
from wms_tui.services.inbound import counting
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    CountLine,
    CountSession,
    ExceptionResolution,
    Item,
    Location,
    PickDiscrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    SalesOrderLine,
    SyncConflict,
)
from wms_tui.store.session import reading

# How each kind may be resolved (the first is the key the console offers first).
RESOLUTIONS: dict[ExceptionKind, tuple[Resolution, ...]] = {
    ExceptionKind.SHORT_PICK: (Resolution.ACCEPTED,),
    ExceptionKind.COUNT_VARIANCE: (Resolution.APPROVED, Resolution.REJECTED),
    ExceptionKind.OVER_RECEIPT: (Resolution.ACCEPTED,),
    ExceptionKind.FAILED_PRINT: (Resolution.RETRIED, Resolution.DISCARDED),
    ExceptionKind.SYNC_CONFLICT: (Resolution.ACCEPTED,),
    ExceptionKind.STOCK: (Resolution.RESOLVED,),
}
FAILED = JobStatus.FAILED


@dataclass(frozen=True)
class FloorException:
    kind: ExceptionKind
    reference: str
    at: datetime | None
    who: str
    what: str


@dataclass(frozen=True)
class Resolved:
    kind: ExceptionKind
    reference: str
    action: Resolution
    note: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Exceptions:
    waiting: list[FloorException]
    resolved: list[Resolved]


def print_job_reference(printer: str, job_id: int) -> str:
    return f"{printer}/{job_id}"


def _failed_jobs(queue_path: Path | None) -> list[FloorException]:
    if queue_path is None or not queue_path.exists():
        return []
    queue = PrintQueue(queue_path)
    try:
        jobs = queue.jobs((FAILED,))
    finally:
        queue.close()
    return [
        FloorException(ExceptionKind.FAILED_PRINT, print_job_reference(job.printer, job.id), datetime.fromtimestamp(job.created_at, UTC),
                       job.printer, f"{job.kind} {job.reference} on {job.printer}: {job.last_error or 'failed'}")
        for job in jobs
    ]


def _floor_exceptions(session: Session) -> list[FloorException]:
    found = [
        FloorException(ExceptionKind.SHORT_PICK, str(short.id), short.created_at, short.operator,
                       f"{number} {sku} at {code}: expected {display(short.expected_quantity)}, "
                       f"found {display(short.picked_quantity)} ({short.reason_code})")
        for short, number, sku, code in session.execute(
            select(PickDiscrepancy, SalesOrder.number, Item.sku, Location.code)
            .join(SalesOrderLine, SalesOrderLine.id == PickDiscrepancy.order_line_id)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .join(Item, Item.id == PickDiscrepancy.item_id)
            .join(Location, Location.id == PickDiscrepancy.location_id)
        )
    ]
    found += [
        FloorException(ExceptionKind.COUNT_VARIANCE, str(line.id), None, line.counted_by or "",
                       f"{number} {sku} at {code}: counted {display(line.first_count)}, ledger "
                       f"{display(counting.on_hand(session, line.item_id, line.location_id, line.lot_id))}, "
                       f"threshold {display(threshold)}")
        for line, number, threshold, sku, code in session.execute(
            select(CountLine, CountSession.number, CountSession.recount_threshold, Item.sku, Location.code)
            .join(CountSession, CountSession.id == CountLine.session_id)
            .join(Item, Item.id == CountLine.item_id)
            .join(Location, Location.id == CountLine.location_id)
            .where(CountLine.state == CountLineState.RECOUNT)
        )
    ]
    found += [
        FloorException(ExceptionKind.OVER_RECEIPT, str(line.id), line.created_at, line.operator,
                       f"{receipt} ({po or 'blind'}) {sku}: {display(line.over_quantity)} over the order: {line.over_reason or ''}")
        for line, receipt, po, sku in session.execute(
            select(ReceiptLine, Receipt.number, PurchaseOrder.number, Item.sku)
            .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
            .outerjoin(PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.purchase_order_line_id)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .join(Item, Item.id == ReceiptLine.item_id)
            .where(ReceiptLine.over_quantity > 0)
        )
    ]
    found += [
        FloorException(ExceptionKind.SYNC_CONFLICT, str(conflict.id), conflict.created_at, conflict.terminal_id,
                       f"{conflict.kind.value.replace('_', ' ')}: {conflict.detail}")
        for conflict in session.execute(select(SyncConflict)).scalars()
    ]
    found += [
        FloorException(ExceptionKind.STOCK, str(exception.id), exception.created_at, "",
                       f"{exception.kind.value.replace('_', ' ')}: {exception.detail}")
        for exception in stock_exceptions.open_exceptions(session)
    ]
    return found


def exceptions(engine: Engine, *, queue_path: Path | None = None, resolved_limit: int = 100) -> Exceptions:
    """Exceptions nobody resolved yet (oldest first), and the latest resolutions."""
    with reading(engine) as session:
        resolved = [
            Resolved(row.kind, row.reference, row.action, row.note or "", row.resolved_by, row.resolved_at)
            for row in session.execute(
                select(ExceptionResolution).order_by(ExceptionResolution.resolved_at.desc(), ExceptionResolution.id.desc())
            ).scalars()
        ]
        settled = [
            Resolved(ExceptionKind.STOCK, str(row.id), Resolution.RESOLVED, row.resolution or "", row.resolved_by or "", row.resolved_at)
            for row in stock_exceptions.resolved_exceptions(session, resolved_limit)
        ]
        floor = _floor_exceptions(session)
    done = {(row.kind, row.reference) for row in resolved}
    resolved = sorted(resolved + settled, key=lambda row: _utc(row.at), reverse=True)
    waiting = [e for e in floor + _failed_jobs(queue_path) if (e.kind, e.reference) not in done]
    # Count differences carry no time of their own; they sort first (they block a recount).
    waiting.sort(key=lambda e: (e.at is not None, _utc(e.at), e.kind.value, e.reference))
    return Exceptions(waiting, resolved[:resolved_limit])


def _utc(at: datetime | None) -> datetime:
    """SQLite hands timestamps back without their zone (they are stored in UTC)."""
    if at is None:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _exists(session: Session, kind: ExceptionKind, reference: str, queue: PrintQueue | None) -> None:
    model = {ExceptionKind.SHORT_PICK: PickDiscrepancy, ExceptionKind.COUNT_VARIANCE: CountLine,
             ExceptionKind.OVER_RECEIPT: ReceiptLine, ExceptionKind.SYNC_CONFLICT: SyncConflict}.get(kind)
    if model is not None:
        row = session.get(model, int(reference)) if reference.isdigit() else None
        if row is None or (model is ReceiptLine and row.over_quantity <= 0):
            raise NotFound(f"no {kind.value.replace('_', ' ')} {reference}")
        return
    job = _job(queue, reference)
    if job.status != FAILED:
        raise InvalidInput(f"print job {reference} is {job.status}, not failed")


def _job(queue: PrintQueue | None, reference: str):
    _, _, job_id = reference.rpartition("/")
    if queue is None or not job_id.isdigit():
        raise NotFound(f"no print job {reference}")
    try:
        return queue.get(int(job_id))
    except KeyError:
        raise NotFound(f"no print job {reference}") from None


def resolve(engine: Engine, context: PostingContext, kind: str, reference: str, action: str, note: str = "", *,
            badge: str, pin: str, policy: SecurityPolicy, queue_path: Path | None = None) -> str:
    """Resolve one exception, approved by a supervisor's badge and PIN, and record who approved
    it, when and how, in one transaction: a count difference approved posts its variance, one
    rejected keeps the ledger's quantity; a failed print retried is due again at once. A refused
    approval (another role's badge, a wrong or missing PIN) changes nothing but is counted
    towards the lockout, as at a terminal."""
    kind, action = ExceptionKind(kind), Resolution(action)
    if action not in RESOLUTIONS[kind]:
        allowed = " or ".join(r.value for r in RESOLUTIONS[kind])
        raise InvalidInput(f"a {kind.value.replace('_', ' ')} is {allowed}, not {action.value}")
    queue = PrintQueue(queue_path) if kind is ExceptionKind.FAILED_PRINT and queue_path and queue_path.exists() else None
    what = f"{action.value} {kind.value.replace('_', ' ')} {reference} at the console of {context.operator}"

    def resolved(session: Session, supervisor: operators.OperatorView) -> str:
        outcome = _resolve(session, PostingContext(context.terminal_id, supervisor.code), kind, reference, action, note, queue)
        return f"{kind.value.replace('_', ' ')} {reference} {action.value} by {supervisor.code}{outcome}"

    try:
        return operators.with_approval(engine, badge, pin, terminal=context.terminal_id, policy=policy, what=what, action=resolved)
    finally:
        if queue is not None:
            queue.close()


def _resolve(session: Session, context: PostingContext, kind: ExceptionKind, reference: str, action: Resolution,
             note: str, queue: PrintQueue | None) -> str:
    """The resolution itself, by the approving supervisor (`context.operator`); its outcome."""
    if kind is ExceptionKind.STOCK:
        # The stock exception keeps its own resolution (who, when, how): nothing goes to exception_resolution.
        if not reference.isdigit():
            raise NotFound(f"no stock exception {reference}")
        stock_exceptions.resolve_exception(session, int(reference), context.operator, note)
        return ""
    _exists(session, kind, reference, queue)
    earlier = session.execute(select(ExceptionResolution).where(
        ExceptionResolution.kind == kind, ExceptionResolution.reference == reference)).scalar_one_or_none()
    if earlier is not None:
        raise InvalidInput(f"{kind.value.replace('_', ' ')} {reference} was already {earlier.action.value} by "
                           f"{earlier.resolved_by} at {earlier.resolved_at:%Y-%m-%d %H:%M}")
    outcome = ""
    if action is Resolution.APPROVED:
        result = counting.approve_count_difference(session, context, int(reference))
        outcome = f": variance {display(result.variance)} {result.sku} posted"
    elif action is Resolution.REJECTED:
        result = counting.reject_count_difference(session, context.operator, int(reference))
        outcome = f": {result.sku} keeps the ledger's quantity"
    session.add(ExceptionResolution(kind=kind, reference=reference, action=action, note=note.strip()[:200] or None,
                                    resolved_by=context.operator, resolved_at=datetime.now(UTC)))
    session.flush()
    if action is Resolution.RETRIED:  # last: a refused record above leaves the queue as it was
        queue.retry(int(reference.rpartition("/")[2]))
        outcome = ": due again now"
    return outcome

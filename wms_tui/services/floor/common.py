"""What several floor flows share: short place names, task descriptions, claiming from a list."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session, func, select

from wms_tui.domain.errors import InvalidInput, NotFound
from wms_tui.domain.quantities import display
from wms_tui.services import tasks
from wms_tui.services.floor.scans import ParsedScan
from wms_tui.services.outbound.common import resolve_item_scan
from wms_tui.services.tasks import TaskKind, TaskState
from wms_tui.store.models import Item, Location, Lot, Task


def short_place(code: str) -> str:
    """A bin as a picker reads it: WH1/STOCK/A-01-3 shows as A-01-3 (the zone is implied)."""
    parts = code.split("/")
    return "/".join(parts[2:]) if len(parts) > 2 else code


def location_code(session: Session, location_id: int | None) -> str:
    if location_id is None:
        return "?"
    return session.get(Location, location_id).code


def task_facts(session: Session, task: Task) -> dict:
    """The task as JSON-able facts a flow keeps in its state (and shows after a restart)."""
    item = session.get(Item, task.item_id) if task.item_id else None
    lot = session.get(Lot, task.lot_id) if task.lot_id else None
    return {
        "task": task.id,
        "bin": location_code(session, task.location_id),
        "to": location_code(session, task.target_location_id),
        "sku": item.sku if item else "",
        "name": item.name if item else "",
        "left": str(task.quantity - task.done_quantity),
        "lot": lot.code if lot else None,
        "expiry": lot.expiry_date.isoformat() if lot and lot.expiry_date else None,
        "tote": task.tote,
        "order": task.document_ref,
    }


def task_lines(facts: dict) -> list[str]:
    lines = [f"{facts['order'] or ''} #{facts['task']}".strip(), f"{facts['sku']} x {display(Decimal(facts['left']))}", facts["name"]]
    if facts.get("lot"):
        lines.append(f"lot {facts['lot']}" + (f" exp {facts['expiry']}" if facts.get("expiry") else ""))
    if facts.get("tote"):
        lines.append(f"tote {facts['tote']}")
    return lines


def open_count(session: Session, warehouse: int, kind: TaskKind, *, batch_ref: str | None = None,
               document_ref: str | None = None) -> int:
    query = select(func.count()).select_from(Task).where(
        Task.warehouse_id == warehouse, Task.kind == kind.value, Task.state == TaskState.OPEN.value)
    if batch_ref:
        query = query.where(Task.batch_ref == batch_ref)
    if document_ref:
        query = query.where(Task.document_ref == document_ref)
    return session.exec(query).one()


def claim_from(session: Session, operator: str, warehouse: int, kind: TaskKind, work_list: str | None) -> Task | None:
    """The operator's next task: one already held (after a restart), else the next of the
    scanned list (a cluster batch or an order), else the next of the queue."""
    held = [task for task in tasks.resume(session, operator, warehouse) if task.kind == kind.value]
    if work_list:
        held = [task for task in held if work_list in (task.batch_ref, task.document_ref)]
    if held:
        return held[0]
    if not work_list:
        return tasks.claim_next(session, operator, warehouse, kind=kind)
    if session.exec(select(Task.id).where(Task.batch_ref == work_list).limit(1)).first() is not None:
        return tasks.claim_next(session, operator, warehouse, kind=kind, batch_ref=work_list)
    for task_id in session.exec(
        select(Task.id).where(Task.warehouse_id == warehouse, Task.kind == kind.value, Task.state == TaskState.OPEN.value,
                              Task.document_ref == work_list).order_by(Task.queue_position, Task.id)
    ):
        try:
            return tasks.claim_task(session, task_id, operator)
        except tasks.TaskConflict:
            continue
    return None


def known_list(session: Session, warehouse: int, kind: TaskKind, reference: str) -> None:
    """Refuse a scanned list that has no such tasks at all, naming it."""
    exists = session.exec(
        select(Task.id).where(Task.warehouse_id == warehouse, Task.kind == kind.value,
                              (Task.batch_ref == reference) | (Task.document_ref == reference)).limit(1)
    ).first()
    if exists is None:
        raise NotFound(f"{reference} is not a {kind.value} list or order with {kind.value} tasks")


def item_of_scan(session: Session, scan: ParsedScan, expected_sku: str | None = None):
    """The scanned item (and units per scan); a different item than expected is refused by name."""
    scanned = resolve_item_scan(session, scan.code)
    if expected_sku and scanned.item.sku != expected_sku:
        raise InvalidInput(f"wrong item {scanned.item.sku}: scan {expected_sku}")
    return scanned

"""Pallets received: what is on one (for its licence-plate label), and the putaways that move it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, select

from wms_tui.domain.errors import NotFound
from wms_tui.domain.states import PENDING_TASK_STATES, TaskKind
from wms_tui.services.tasks import available_to
from wms_tui.store import finders
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    Lot,
    Partner,
    PurchaseOrder,
    Receipt,
    ReceiptLine,
    Task,
)


@dataclass(frozen=True)
class PalletLine:
    sku: str
    name: str
    quantity: Decimal
    lot: str | None
    expiry: date | None


@dataclass(frozen=True)
class ReceivedPallet:
    code: str
    lines: list[PalletLine]  # in the order received
    gtin: str | None  # the unit barcode, when one item is on it
    po_number: str
    supplier: str
    received_on: date
    putaway_to: str | None  # the bin its open putaway goes to


def received_pallet(session: Session, code: str) -> ReceivedPallet:
    container = finders.find_container(session, code)
    if container is None:
        raise NotFound(f"no pallet or licence plate {code!r}")
    rows = session.exec(
        select(ReceiptLine, Receipt, Item, Lot)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .join(Item, Item.id == ReceiptLine.item_id)
        .outerjoin(Lot, Lot.id == ReceiptLine.lot_id)
        .where(ReceiptLine.container_id == container.id)
        .order_by(ReceiptLine.id)
    ).all()
    if not rows:
        raise NotFound(f"nothing was received on {container.code}: no pallet label")
    receipt = rows[0][1]
    items = {item.id for _, _, item, _ in rows}
    gtin = finders.unit_barcodes(session, items).get(next(iter(items))) if len(items) == 1 else None
    po_number, supplier = "", ""
    if receipt.purchase_order_id:
        po = session.get(PurchaseOrder, receipt.purchase_order_id)
        po_number = po.number
        supplier = session.get(Partner, po.supplier_id).name
    elif receipt.supplier_id:
        supplier = session.get(Partner, receipt.supplier_id).name
    target = session.exec(
        select(Task.target_location_id).where(
            Task.kind == TaskKind.PUTAWAY.value, Task.document_ref == receipt.number,
            Task.document_line_id.in_([line.id for line, _, _, _ in rows]),
            Task.state.in_(PENDING_TASK_STATES),
        ).order_by(Task.id)
    ).first()
    return ReceivedPallet(
        container.code,
        [PalletLine(item.sku, item.name, line.quantity, lot.code if lot else None, lot.expiry_date if lot else None)
         for line, _, item, lot in rows],
        gtin, po_number, supplier, min(line.created_at for line, _, _, _ in rows).date(),
        session.get(Location, target).code if target is not None else None,
    )


def pallet(session: Session, code: str) -> Container:
    found = finders.find_container(session, code)
    if found is None:
        raise NotFound("unknown pallet: scan its label or an item on it")
    return found


def pallet_of(session: Session, task: Task) -> str | None:
    """The pallet a receipt's putaway moves (the receipt line arrived on it)."""
    if task.kind != TaskKind.PUTAWAY.value or task.document_line_id is None:
        return None
    return session.exec(
        select(Container.code).join(ReceiptLine, ReceiptLine.container_id == Container.id)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .where(ReceiptLine.id == task.document_line_id, Receipt.number == task.document_ref)
    ).first()


def next_putaway_of(session: Session, warehouse_id: int, operator: str, pallet: Container) -> Task | None:
    """The next putaway of goods received on the pallet, where the pallet stands now."""
    return session.exec(
        select(Task).join(ReceiptLine, ReceiptLine.id == Task.document_line_id)
        .join(Receipt, (Receipt.id == ReceiptLine.receipt_id) & (Receipt.number == Task.document_ref))
        .where(Task.warehouse_id == warehouse_id, Task.kind == TaskKind.PUTAWAY.value, available_to(operator),
               ReceiptLine.container_id == pallet.id, Task.location_id == pallet.location_id)
        .order_by(Task.queue_position, Task.id)
    ).first()

"""Inbound set-ups and readers for floor tests: scans of supplier labels, stock in a place or on
a pallet, PO lines, receipts and their putaway tasks, bins to count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from biip.checksums import gs1_standard_check_digit
from sqlmodel import Session, func, select

from wms_tui.domain.states import TaskKind
from wms_tui.services.demo import gtin13
from wms_tui.services.inbound.counting import plan_cycle_count
from wms_tui.services.inbound.receiving import receive_scan, start_receipt
from wms_tui.services.outbound.packing import assign_number_range
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    Lot,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    StockBalance,
    Task,
)
from wms_tui.store.session import transaction

EXPIRY = date.today() + timedelta(days=90)
OFFICE = PostingContext("OFFICE", "SUP1")


def on_hand(runtime, sku: str, place: str, container: str | None = None) -> Decimal:
    """Units of an item in a place (on one pallet when `container` is given), as the ledger has them."""
    with Session(runtime.engine) as session:
        query = (select(func.coalesce(func.sum(StockBalance.quantity), 0))
                 .join(Item, Item.id == StockBalance.item_id).join(Location, Location.id == StockBalance.location_id)
                 .where(Item.sku == sku, Location.code == place))
        if container:
            query = query.where(StockBalance.container_id == session.exec(select(Container.id).where(Container.code == container)).one())
        return Decimal(session.exec(query).one())


def po_line(runtime, po: str, sku: str) -> PurchaseOrderLine:
    with Session(runtime.engine) as session:
        return session.exec(
            select(PurchaseOrderLine).join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
            .join(Item, Item.id == PurchaseOrderLine.item_id).where(PurchaseOrder.number == po, Item.sku == sku)
        ).one()


def receipt_of(runtime, po: str) -> str:
    """The number of the PO's latest receipt (the one a receiver is working on)."""
    with Session(runtime.engine) as session:
        return session.exec(select(Receipt.number).join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
                            .where(PurchaseOrder.number == po).order_by(Receipt.id.desc())).first()


def putaways(runtime, receipt: str) -> list[Task]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Task).where(Task.document_ref == receipt, Task.kind == TaskKind.PUTAWAY.value)
                                 .order_by(Task.id)).all())


def supplier_sscc(serial: int) -> str:
    """A supplier's pallet label: a valid SSCC outside this terminal's range."""
    body = f"0590123{serial:010d}"
    return body + str(gs1_standard_check_digit(body))


def lot_scan(ref: int, lot: str, expiry: date | None = EXPIRY) -> str:
    """GS1-128: GTIN, expiry (AI 17) and lot (AI 10, last: variable length)."""
    dated = f"17{expiry:%y%m%d}" if expiry else ""
    return f"]C101{gtin13(ref).zfill(14)}{dated}10{lot}"


def received_pallet(runtime) -> tuple[str, list[int]]:
    """10 SKU-00001 and 4 SKU-00006 of PO000002 received onto one new pallet in WH1/INPUT;
    returns the pallet and its two putaway tasks."""
    with transaction(runtime.engine) as session:
        assign_number_range(session, "OFFICE", "0400000", 1, 99)
        receipt = start_receipt(session, "PO000002", warehouse_code="WH1")
        first = receive_scan(session, OFFICE, receipt.number, gtin13(1), count=10, new_pallet=True)
        second = receive_scan(session, OFFICE, receipt.number, gtin13(6), count=4, container_code=first.container_code)
        return first.container_code, [first.next_task_id, second.next_task_id]


def number_pallets(runtime, terminal: str = "HH1") -> None:
    """Give the terminal SSCCs for the pallets it labels."""
    with transaction(runtime.engine) as session:
        assign_number_range(session, terminal, "0400000", 1, 999)


def contents(runtime, code: str) -> list[tuple[str, str | None, Decimal]]:
    """(sku, lot, on hand) of a bin, as the ledger has it."""
    with Session(runtime.engine) as session:
        return [(sku, lot, Decimal(quantity)) for sku, lot, quantity in session.exec(
            select(Item.sku, Lot.code, StockBalance.quantity).join(Item, Item.id == StockBalance.item_id)
            .outerjoin(Lot, Lot.id == StockBalance.lot_id).join(Location, Location.id == StockBalance.location_id)
            .where(Location.code == code, StockBalance.quantity != 0).order_by(Item.sku, Lot.code)
        ).all()]


def mixed_bin(runtime) -> str:
    """A stock bin holding a lot-tracked item and an untracked one, nothing reserved."""
    with Session(runtime.engine) as session:
        codes = session.exec(select(Location.code).where(Location.code.like("WH1/STOCK/%")).order_by(Location.code)).all()
    for code in codes:
        held = contents(runtime, code)
        if any(lot for _, lot, _ in held) and any(lot is None for _, lot, _ in held):
            return code
    raise AssertionError("the demo has no bin with both kinds")


def item_scan(sku: str, lot: str | None) -> str:
    gtin = gtin13(int(sku.split("-")[1]))
    return f"]C101{gtin.zfill(14)}10{lot}" if lot else gtin


def plan(runtime, code: str, threshold: str = "0") -> int:
    with transaction(runtime.engine) as session:
        return plan_cycle_count(session, "WH1", [code], recount_threshold=threshold).task_ids[0]

"""Outbound set-ups for floor tests: orders picked into WH1/PACK and packed with the services,
and readers of what the ledger and the containers hold afterwards."""

from __future__ import annotations

import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, func, select

from wms_tui.domain.locations import location_barcode
from wms_tui.services import tasks
from wms_tui.services.outbound import packing
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.services.outbound.packing import assign_number_range
from wms_tui.services.outbound.picking import confirm_pick
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    Container,
    ContainerLine,
    Item,
    ItemBarcode,
    Location,
    Lot,
    NumberRange,
    SalesOrder,
    ShippingContainer,
    StockBalance,
    StockMove,
    Task,
)
from wms_tui.store.session import transaction

PICKER = PostingContext("HH9", "PICK1")
PACKER = PostingContext("HH1", "PACK1")
SSCC_PREFIX = "0871234567"


def printer_config(folder: Path, fmt: str = "pdf", target: Path | None = None) -> str:
    """[terminal] printer plus a folder printer: every job becomes a file there."""
    target = target or folder / "printed"
    return (f'printer = "pack1"\n[printers.pack1]\nkind = "file"\ntarget = "{target}/"\nformat = "{fmt}"\n')



def pick_order(runtime, number: str | None = None, *, batch: bool = False) -> str:
    """Pick every task of an order (the first allocated one outside / inside BATCH-1) into PACK,
    as the pick flow would: bin, item with lot, the whole quantity, the tote."""
    with transaction(runtime.engine) as session:
        if number is None:
            query = select(Task.document_ref).where(Task.kind == "pick", Task.state == "open")
            query = query.where(Task.batch_ref == "BATCH-1") if batch else query.where(Task.batch_ref.is_(None))
            number = session.exec(query.order_by(Task.id)).first()
        for task in session.exec(select(Task).where(Task.document_ref == number, Task.kind == "pick", Task.state == "open")).all():
            tasks.claim_task(session, task.id, PICKER.operator)
            gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == task.item_id,
                                                                 ItemBarcode.packaging == "unit")).first()
            lot = session.get(Lot, task.lot_id).code if task.lot_id else None
            confirm_pick(session, PICKER, task.id, location_scan=location_barcode(session.get(Location, task.location_id).code),
                         item_scan=gtin, packages=task.quantity - task.done_quantity, lot_code=lot, tote=task.tote)
        if session.exec(select(NumberRange).where(NumberRange.terminal_id == "HH1")).first() is None:
            assign_number_range(session, "HH1", SSCC_PREFIX, 1, 999)  # the packing terminal's SSCCs
    return number


def picked(runtime, number: str) -> dict[tuple[str, str | None], Decimal]:
    """What the order has in PACK per (GTIN, lot): what the packer will scan."""
    with Session(runtime.engine) as session:
        rows = session.exec(
            select(StockMove, Item, Lot).join(Item, Item.id == StockMove.item_id).outerjoin(Lot, Lot.id == StockMove.lot_id)
            .where(StockMove.document_ref == number, StockMove.reason == "pick")
        ).all()
        result: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
        for move, item, lot in rows:
            gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item.id, ItemBarcode.packaging == "unit")).first()
            result[(gtin, lot.code if lot else None)] += move.quantity
        return dict(result)


def scan_of(gtin: str, lot: str | None) -> str:
    return f"]C101{gtin.zfill(14)}10{lot}" if lot else gtin


def whole(quantity: Decimal) -> str:
    return str(int(quantity))


def assert_packed_in_one_box(runtime, number: str, sscc: str, total: Decimal) -> None:
    """The order packed whole into one closed box of 12.5 kg, which stands in Output."""
    assert in_zone(runtime, number, "PACK") == 0
    assert in_zone(runtime, number, "OUTPUT") == total
    [(container, shipping)] = containers(runtime, number)
    assert container.code == sscc and shipping.state == "closed" and shipping.weight_kg == Decimal("12.5")
    with Session(runtime.engine) as session:
        packed = session.exec(select(func.sum(ContainerLine.quantity)).where(ContainerLine.container_id == container.id)).one()
        assert packed == total
        assert session.get(Location, container.location_id).code == "WH1/OUTPUT"


def in_zone(runtime, number: str, zone: str) -> Decimal:
    """Units of the order's items in a zone of WH1 (net of everything else there)."""
    with Session(runtime.engine) as session:
        return session.exec(
            select(func.coalesce(func.sum(StockMove.quantity), 0))
            .join(Location, Location.id == StockMove.to_location_id)
            .where(StockMove.document_ref == number, Location.code == f"WH1/{zone}")
        ).one() - session.exec(
            select(func.coalesce(func.sum(StockMove.quantity), 0))
            .join(Location, Location.id == StockMove.from_location_id)
            .where(StockMove.document_ref == number, Location.code == f"WH1/{zone}")
        ).one()


def containers(runtime, number: str) -> list[tuple[Container, ShippingContainer]]:
    with Session(runtime.engine) as session:
        return session.exec(
            select(Container, ShippingContainer).join(ShippingContainer, ShippingContainer.container_id == Container.id)
            .join(SalesOrder, SalesOrder.id == ShippingContainer.order_id).where(SalesOrder.number == number)
            .order_by(Container.id)
        ).all()


def wait_for_files(folder: Path, count: int, timeout: float = 10.0) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(p for p in folder.glob("*") if not p.name.startswith(".")) if folder.exists() else []
        if len(files) >= count:
            return files
        time.sleep(0.02)
    raise AssertionError(f"{folder}: expected {count} printed files, found {list(folder.glob('*')) if folder.exists() else 'none'}")


def packed_order(runtime, *, boxes: int = 1, close_last: bool = True, batch: bool = False) -> tuple[str, list[str]]:
    """An order picked and packed with the services: its picks spread over `boxes` boxes."""
    number = pick_order(runtime, batch=batch)
    lines = list(picked(runtime, number).items())
    codes = []
    with transaction(runtime.engine) as session:
        for n in range(boxes):
            box = packing.open_container(session, PACKER, number)
            codes.append(box.code)
            share = lines[n::boxes]
            if not share:  # fewer lines than boxes: move one unit of the first line over
                (gtin, lot), quantity = lines[0]
                lines[0] = ((gtin, lot), quantity - 1)
                share = [((gtin, lot), Decimal(1))]
            for (gtin, lot), quantity in share:
                packing.pack(session, PACKER, box.code, item_scan=gtin, packages=quantity, lot_code=lot)
            if n < boxes - 1 or close_last:
                packing.close_container(session, box.code, weight_kg="3.5")
    return number, codes


def shipped_units(runtime, number: str) -> Decimal:
    with Session(runtime.engine) as session:
        return session.exec(
            select(func.coalesce(func.sum(StockMove.quantity), 0)).join(Location, Location.id == StockMove.to_location_id)
            .where(StockMove.document_ref == number, StockMove.reason == "ship", Location.code == "CUSTOMERS")
        ).one()


def sscc_scan(code: str) -> str:
    return f"]C100{code}"


def stocked_items(runtime, count: int, *, at_least: int = 1, case: int | None = None, bins: int = 1) -> list[str]:
    """SKUs of untracked items with `at_least` free units in each of `bins` or more stock bins
    of WH1 (and a case barcode of `case` units, when given)."""
    with Session(runtime.engine) as session:
        query = (
            select(Item.sku).join(StockBalance, StockBalance.item_id == Item.id)
            .join(Location, Location.id == StockBalance.location_id)
            .where(Item.tracking == "none", Location.code.startswith("WH1/STOCK/"), StockBalance.quantity >= at_least + 30)
            .group_by(Item.sku).having(func.count(StockBalance.location_id.distinct()) >= bins).order_by(Item.sku)
        )
        if case is not None:
            query = query.where(Item.id.in_(select(ItemBarcode.item_id).where(ItemBarcode.quantity == case)))
        skus = session.exec(query).all()
    assert len(skus) >= count, f"the demo has only {len(skus)} such items"
    return list(skus[:count])


def allocated_order(runtime, lines: list[tuple[str, int]], *, policy: str | None = None) -> str:
    """A confirmed, allocated order of C001 for (SKU, units) lines; its number."""
    with transaction(runtime.engine) as session:
        order = create_order(session, "C001", "WH1", [LineInput(sku, units, unit_price=1) for sku, units in lines],
                             policy=policy)
        confirm_orders(session, [order.number])
        allocate(session, [order.number])
        return order.number


def case_barcode(runtime, sku: str, units: int) -> str:
    with Session(runtime.engine) as session:
        return session.exec(select(ItemBarcode.barcode).join(Item, Item.id == ItemBarcode.item_id)
                            .where(Item.sku == sku, ItemBarcode.quantity == units)).one()

"""Pack on the floor screen, end to end at the three terminal sizes: an order picked into WH1/PACK
is packed box by box through the replay driver; the ledger (Pack -> Output), the containers and
the labels the folder printer received are checked afterwards; wrong scans ring twice and post
nothing; a crash mid-box resumes at the same step."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from tests.labels.conftest import decode, pdf_pages
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor, moves, runtime_on_copy
from wms_tui.domain.locations import location_barcode
from wms_tui.services import tasks
from wms_tui.services.floor.common import location_code
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
    SalesOrderLine,
    ShippingContainer,
    StockBalance,
    StockMove,
    Task,
)
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp

PICKER = PostingContext("HH9", "PICK1")
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
            confirm_pick(session, PICKER, task.id, location_scan=location_barcode(location_code(session, task.location_id)),
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


@pytest.fixture
def runtime(demo_template, tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_PRINT_QUEUE", str(tmp_path / "print-queue.sqlite3"))
    runtime = runtime_on_copy(demo_template, tmp_path, extra=printer_config(tmp_path))
    yield runtime
    runtime.close()


async def pack_lines(floor: Floor, lines: dict[tuple[str, str | None], Decimal]) -> None:
    for (gtin, lot), quantity in lines.items():
        await floor.scan(scan_of(gtin, lot), whole(quantity))
        assert not floor.error, floor.message


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_pack_an_order_end_to_end(runtime, tmp_path, size):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    total = sum(lines.values())
    assert in_zone(runtime, number, "PACK") == total
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        assert "1 Pack" in floor.details
        await floor.scan("1")
        assert floor.state.flow == "pack" and "order or tote" in floor.instruction
        before = moves(runtime)
        await floor.scan(number)
        assert floor.state.step == "kind" and "1 box" in floor.details
        await floor.scan("1")
        assert floor.state.step == "item", floor.message
        sscc = floor.state.data["box"]
        assert len(sscc) == 18 and sscc.startswith(SSCC_PREFIX)
        await pack_lines(floor, lines)
        assert "all packed" in floor.message
        assert moves(runtime) == before + len(lines)  # one Pack -> Output move per scan
        await floor.key("f2")
        assert floor.state.step == "weight"
        await floor.scan("12.5")
        assert not floor.error, floor.message
        assert f"{number} packed" in floor.message
        assert floor.state.step == "order" and floor.state.done == 1
        # Container label and packing slip went to the folder printer.
        files = wait_for_files(tmp_path / "printed", 2)
        await floor.settle()
        await pilot.pause()
        assert "to print" not in floor.widget("status")
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
    assert in_zone(runtime, number, "PACK") == 0
    assert in_zone(runtime, number, "OUTPUT") == total
    [(container, shipping)] = containers(runtime, number)
    assert container.code == sscc and shipping.state == "closed" and shipping.weight_kg == Decimal("12.5")
    with Session(runtime.engine) as session:
        packed = session.exec(select(func.sum(ContainerLine.quantity)).where(ContainerLine.container_id == container.id)).one()
        assert packed == total
        assert session.get(Location, container.location_id).code == "WH1/OUTPUT"
    names = [path.name for path in files]
    assert any(name.startswith(f"container-{sscc}-") and name.endswith(".pdf") for name in names), names
    assert any(name.startswith(f"packing_slip-packingslip_{number}") for name in names), names
    label = next(path for path in files if path.name.startswith("container-"))
    (page,) = pdf_pages(label.read_bytes())
    assert ("]C1", f"00{sscc}") in decode(page)


async def test_several_boxes_for_one_order_and_a_tote_scan(runtime, tmp_path):
    number = pick_order(runtime, batch=True)
    lines = picked(runtime, number)
    with Session(runtime.engine) as session:
        tote = session.exec(select(Task.tote).where(Task.document_ref == number, Task.kind == "pick")).first()
    first, rest = dict(list(lines.items())[:1]), dict(list(lines.items())[1:])
    (key, quantity), = first.items()
    if not rest and quantity > 1:  # one line only: split it over the two boxes
        first, rest = {key: quantity - 1}, {key: Decimal(1)}
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", tote)  # the tote the picks went into names the order
        assert floor.state.data["order"] == number, floor.message
        await floor.scan("1")
        await pack_lines(floor, first)
        await floor.key("f2")
        await floor.scan("4.2")
        assert floor.state.step == "kind" and "next container" in floor.message, floor.message
        await floor.scan("1")
        assert floor.state.data["no"] == 2
        await pack_lines(floor, rest)
        await floor.key("f2")
        await floor.scan("3")
        assert floor.state.step == "order" and f"{number} packed" in floor.message
        assert floor.state.done == 2
        # Stack both boxes on a pallet: scan the order again, choose pallet, scan the boxes.
        await floor.scan(number, "2")
        assert floor.state.step == "boxes", floor.message
        boxes = [c.code for c, s in containers(runtime, number) if c.kind == "box"]
        await floor.scan(*(f"]C100{code}" for code in boxes))
        assert not floor.error, floor.message
        assert "2 boxes on it" in floor.details
        await floor.key("f2")
        await floor.scan("40")
        assert not floor.error, floor.message
        wait_for_files(tmp_path / "printed", 4)  # 2 box labels, the slip, the pallet label
    found = containers(runtime, number)
    pallet = next(c for c, _ in found if c.kind == "pallet")
    assert [s.state for _, s in found] == ["closed", "closed", "closed"]
    assert all(c.parent_id == pallet.id for c, _ in found if c.kind == "box")
    assert in_zone(runtime, number, "PACK") == 0


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    (gtin, lot), quantity = next(iter(lines.items()))
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1")


        await floor.refused(scan_of(gtin, lot), "that is an item barcode", "order")
        await floor.refused("A-01-1.00", "bin label", "order")
        await floor.refused("SO-999999", "no order, tote or container", "order")
        await floor.scan(number)
        await floor.refused("4", "whole number from 1 to 3", "kind")
        await floor.refused(scan_of(gtin, lot), "that is an item barcode", "kind")
        await floor.scan("1")
        box = floor.state.data["box"]
        before = moves(runtime)
        await floor.refused(f"]C100{box}", "container label (SSCC)", "item")
        await floor.refused("5901234123457", "not a known item", "item")
        with Session(runtime.engine) as session:
            on_order = {b for b, _ in lines}
            other = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.packaging == "unit",
                                                                   ItemBarcode.barcode.not_in(on_order))).first()
        await floor.refused(other, "is not on order", "item")
        if lot:
            await floor.refused(scan_of(gtin, "NOSUCHLOT"), "lot NOSUCHLOT", "item")
        await floor.key("f2")
        assert floor.error and "empty" in floor.message
        await floor.scan(scan_of(gtin, lot))
        assert floor.state.step == "qty"
        await floor.refused(str(int(quantity) + 1), "over-pack", "qty")
        await floor.refused("0", "whole number from 1", "qty")
        await floor.refused("TEXT", "that is text", "qty")
        await floor.scan("1")
        assert not floor.error, floor.message
        assert moves(runtime) == before + 1
        await floor.key("f2")
        await floor.refused("0", "more than 0", "weight")
        await floor.refused("9999", "at most 2000", "weight")
        await floor.refused(scan_of(gtin, lot), "that is an item barcode", "weight")
    [(_, shipping)] = containers(runtime, number)
    assert shipping.state == "open"


async def test_undo_steps_back_until_posted(runtime, tmp_path):
    number = pick_order(runtime)
    (gtin, lot), _ = next(iter(picked(runtime, number).items()))
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", number)
        await floor.key("f4")
        assert floor.state.step == "order" and "undone" in floor.message
        await floor.scan(number, "1", scan_of(gtin, lot))
        assert floor.state.step == "qty"
        await floor.type("*4")
        assert floor.state.step == "item"
        await floor.key("f4")  # the box is opened (posted): nothing earlier to undo
        assert floor.error and "nothing to undo" in floor.message
        await floor.key("f3")  # the packing slip can be printed at any time
        assert "packing slip" in floor.message and not floor.error
        wait_for_files(tmp_path / "printed", 1)


async def test_crash_mid_box_resumes_at_the_same_step(runtime, tmp_path):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    (gtin, lot), quantity = next(iter(lines.items()))
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", number, "1", scan_of(gtin, lot), "1")
        assert not floor.error, floor.message
        if quantity > 1:  # the crash comes between the item and its quantity
            await floor.scan(scan_of(gtin, lot))
        step, instruction, posted, box = floor.state.step, floor.instruction, moves(runtime), floor.state.data["box"]
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        assert "resumed" in floor.message
        assert floor.state.step == step and floor.instruction == instruction
        assert floor.state.data["box"] == box
        assert moves(runtime) == posted
        if step == "qty":
            await floor.scan(whole(quantity - 1))
            assert not floor.error, floor.message
        rest = dict(list(lines.items())[1:])
        await pack_lines(floor, rest)
        await floor.key("f2")
        await floor.scan("2")
        assert not floor.error, floor.message
    assert moves(runtime) == posted + len(rest) + (1 if step == "qty" else 0)
    assert [s.state for _, s in containers(runtime, number)] == ["closed"]
    assert in_zone(runtime, number, "PACK") == 0
    with Session(runtime.engine) as session:
        assert session.exec(select(func.sum(StockBalance.quantity)).join(Location, Location.id == StockBalance.location_id)
                            .where(Location.code == "WH1/PACK")).one() in (None, 0)


async def test_lot_is_taken_from_the_pick_when_the_barcode_has_none(runtime, tmp_path):
    number = pick_order(runtime, batch=True)
    [((gtin, lot), quantity)] = picked(runtime, number).items()
    assert lot is not None  # the batch order's item is lot-tracked
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", number, "1", gtin)  # the plain EAN: only one lot was picked
        assert floor.state.step == "qty" and floor.state.data["lot_scanned"] == lot, floor.message
        await floor.scan(whole(quantity))
        assert not floor.error, floor.message
    with Session(runtime.engine) as session:
        [line] = session.exec(select(ContainerLine).join(Container, Container.id == ContainerLine.container_id)
                              .where(Container.code == floor.state.data["box"])).all()
        assert session.get(Lot, line.lot_id).code == lot and line.quantity == quantity


def order_over_two_lots(runtime) -> tuple[str, str]:
    """A new order for a lot-tracked item that takes more than its first lot holds, allocated
    (two pick tasks, two lots) and picked into PACK. Returns the order and the item's GTIN."""
    today = date.today()
    with transaction(runtime.engine) as session:
        ordered = set(session.exec(select(SalesOrderLine.item_id)).all())  # no other demand on the item
        free: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for item_id, lot_id, quantity in session.exec(
            select(StockBalance.item_id, StockBalance.lot_id, StockBalance.quantity)
            .join(Lot, Lot.id == StockBalance.lot_id).join(Location, Location.id == StockBalance.location_id)
            .where(Lot.expiry_date > today + timedelta(days=30), Location.code.startswith("WH1/STOCK/"))
        ):
            if item_id not in ordered:
                free[item_id][lot_id] += quantity
        item_id, lots = next((item, lots) for item, lots in sorted(free.items()) if len([q for q in lots.values() if q > 0]) >= 2)
        item = session.get(Item, item_id)
        quantity = sum(sorted(q for q in lots.values() if q > 0)[:2])
        order = create_order(session, "C001", "WH1", [LineInput(item.sku, quantity, unit_price=1)])
        confirm_orders(session, [order.number])
        allocate(session, [order.number])
        number = order.number
        gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item_id, ItemBarcode.packaging == "unit")).first()
    pick_order(runtime, number)
    return number, gtin


async def test_two_lots_picked_ask_which_lot_is_packed(runtime, tmp_path):
    number, gtin = order_over_two_lots(runtime)
    lines = picked(runtime, number)
    assert len(lines) == 2, lines  # the order took two lots
    (_, first_lot), first_quantity = next(iter(lines.items()))
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", number, "1", gtin)  # the plain EAN: which lot?
        assert floor.state.step == "lot" and "2 lots" in floor.message, floor.message
        bells = floor.bells
        await floor.scan("NOSUCHLOT")
        assert floor.error and "not waiting to be packed" in floor.message and floor.bells == bells + 2
        assert first_lot in floor.message  # the refusal names the lots that were picked
        await floor.scan(first_lot)
        assert floor.state.step == "qty" and floor.state.data["lot_scanned"] == first_lot
        await floor.scan(whole(first_quantity))
        assert not floor.error, floor.message
    with Session(runtime.engine) as session:
        [line] = session.exec(select(ContainerLine).join(Container, Container.id == ContainerLine.container_id)
                              .where(Container.code == floor.state.data["box"])).all()
        assert session.get(Lot, line.lot_id).code == first_lot and line.quantity == first_quantity

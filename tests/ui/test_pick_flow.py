"""Pick on the floor screen, end to end at the three terminal sizes: scans through the replay
driver, the ledger checked afterwards; every wrong scan rings twice and posts nothing."""

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor, moves
from wms_tui.domain.flows import legend_lines
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import gtin13
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.services.tasks import TaskKind
from wms_tui.store.models import Item, ItemBarcode, Lot, PickDiscrepancy, StockBalance, Task
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp


def barcodes(runtime, sku: str) -> dict[Decimal, str]:
    with Session(runtime.engine) as session:
        item = session.exec(select(Item).where(Item.sku == sku)).one()
        return {b.quantity: b.barcode for b in session.exec(select(ItemBarcode).where(ItemBarcode.item_id == item.id))}


def item_scan(runtime, data: dict) -> str:
    """The unit barcode of the task's item; a lot-tracked item as GS1-128 with its lot."""
    gtin = barcodes(runtime, data["sku"])[Decimal(1)]
    return f"]C101{gtin.zfill(14)}10{data['lot']}" if data.get("lot") else gtin



async def next_pick_task(floor: Floor) -> None:
    """Picker signs in, chooses Pick and takes the next task of the queue (F1)."""
    await floor.sign_in("BADGE-0001")
    await floor.scan("1")
    await floor.key("f1")
    assert floor.state.step == "bin", floor.message


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_pick_a_task_end_to_end(runtime, tmp_path, size):
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        assert floor.input_focused()
        assert "badge" in floor.instruction
        await floor.sign_in("BADGE-0001")
        assert "Pick" in floor.details
        await floor.scan("1")
        await floor.key("f1")
        data = dict(floor.state.data)
        task_id = data["task"]
        assert floor.state.step == "bin"
        assert data["place"] in floor.instruction
        before = moves(runtime)
        await floor.scan(location_barcode(data["bin"]), item_scan(runtime, data), "1", "TOTE-9")
        assert not floor.error, floor.message
        assert f"picked 1 {data['sku']} into TOTE-9" in floor.message
        assert moves(runtime) == before + 1
        assert floor.bells == 1 + 1 + 1 + 4  # badge, menu choice, F1, four scans: once each
        with Session(runtime.engine) as session:
            task = session.get(Task, task_id)
            assert task.done_quantity == 1 and task.assignee == "PICK1"
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await next_pick_task(floor)
        data = dict(floor.state.data)
        before = moves(runtime)
        other_item = gtin13(2 if data["sku"] == "SKU-00001" else 1)


        await floor.refused(item_scan(runtime, data), "that is an item barcode", "bin")
        await floor.refused("A-01-01.00", "wrong check digit", "bin")
        await floor.refused("003" + "1" * 15, "unreadable barcode", "bin")
        await floor.scan(location_barcode(data["bin"]))
        await floor.refused("]C100340123450000000017", "container label (SSCC)", "item")
        await floor.refused(other_item, "wrong item", "item")
        await floor.refused("5901234123457", "not a known item", "item")
        await floor.refused(location_barcode(data["bin"]), "that is a bin label", "item")
        await floor.scan(item_scan(runtime, data))
        await floor.refused("0", "whole number from 1", "qty")
        await floor.refused("99999", "over-pick", "qty")
        await floor.refused("1.5", "whole number", "qty")
        assert moves(runtime) == before


async def test_expired_lot_is_refused(runtime, tmp_path):
    # An order for an item that also has an expired lot in stock: the picker scans that lot.
    with transaction(runtime.engine) as session:
        expired = session.exec(
            select(Lot).join(StockBalance, StockBalance.lot_id == Lot.id)
            .where(Lot.expiry_date < date.today(), StockBalance.quantity > 0)
        ).first()
        item = session.get(Item, expired.item_id)
        order = create_order(session, "C001", "WH1", [LineInput(item.sku, 1, unit_price=1)])
        confirm_orders(session, [order.number])
        allocate(session, [order.number])
        number, sku, expired_code = order.number, item.sku, expired.code
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        await floor.scan("1", number)
        data = dict(floor.state.data)
        assert data["sku"] == sku and data["lot"] != expired_code
        before, bells = moves(runtime), floor.bells
        gtin = barcodes(runtime, sku)[Decimal(1)]
        await floor.scan(location_barcode(data["bin"]), f"]C101{gtin.zfill(14)}10{expired_code}")
        assert floor.error and "expired" in floor.message, floor.message
        assert floor.bells == bells + 1 + 2 and floor.state.step == "item"
        assert moves(runtime) == before


async def test_short_pick_with_reason_queues_a_count(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await next_pick_task(floor)
        task_id = floor.state.data["task"]
        await floor.key("f2")
        assert floor.state.step == "reason" and "not_found" in floor.details
        await floor.scan("9")
        assert floor.error
        await floor.scan("3")  # not_found
        assert not floor.error, floor.message
        assert "bin count queued" in floor.message
        with Session(runtime.engine) as session:
            discrepancy = session.exec(select(PickDiscrepancy).where(PickDiscrepancy.task_id == task_id)).one()
            assert discrepancy.reason_code == "not_found"
            assert session.get(Task, discrepancy.count_task_id).kind == TaskKind.COUNT.value


async def test_crash_mid_flow_resumes_at_the_same_step(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await next_pick_task(floor)
        data = dict(floor.state.data)
        await floor.scan(location_barcode(data["bin"]), item_scan(runtime, data), "1", "TOTE-1")
        await floor.scan(item_scan(runtime, data))
        step, instruction, posted = floor.state.step, floor.instruction, moves(runtime)
        assert step == "qty"
    # The app is gone without signing out (battery swap); a new one on the same database:
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        assert floor.state.step == step and floor.instruction == instruction
        assert "resumed" in floor.message
        assert moves(runtime) == posted
        await floor.scan("1", "TOTE-1")
        assert not floor.error, floor.message
        assert moves(runtime) == posted + 1


async def test_undo_goes_back_one_scan_until_posted(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await next_pick_task(floor)
        data = dict(floor.state.data)
        await floor.scan(location_barcode(data["bin"]), item_scan(runtime, data))
        assert floor.state.step == "qty"
        await floor.type("*4")  # the non-F-key fallback for F4
        assert floor.state.step == "item" and "undone" in floor.message
        await floor.key("f4")
        assert floor.state.step == "bin"


def test_legend_fits_twenty_columns():
    from wms_tui.services.floor.terminal import HANDLERS, Terminal  # noqa: F401 - registers flows

    for handler in HANDLERS.values():
        assert all(len(line) <= 20 for line in legend_lines(handler.flow.actions, 20)), handler.flow.name

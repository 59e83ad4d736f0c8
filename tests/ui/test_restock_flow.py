"""Restock on the floor screen, end to end: putaway of a received pallet to suggested bins,
pick-face refills and returned goods back to stock; scans through the replay driver, the ledger
checked afterwards; every wrong scan rings twice and posts nothing."""

from decimal import Decimal

import pytest
from sqlmodel import Session, func, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor, moves
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import gtin13
from wms_tui.services.inbound.receiving import receive_scan, start_receipt
from wms_tui.services.inbound.replenishment import plan_pick_face_refills, set_reorder_rule
from wms_tui.services.outbound import returns
from wms_tui.services.outbound.packing import assign_number_range
from wms_tui.services.tasks import TaskKind
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    SalesOrder,
    SalesOrderLine,
    SalesReturnLine,
    StockBalance,
    Task,
)
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp

OFFICE = PostingContext("OFFICE", "SUP1")



def on_hand(runtime, sku: str, place: str) -> Decimal:
    with Session(runtime.engine) as session:
        return Decimal(session.exec(
            select(func.coalesce(func.sum(StockBalance.quantity), 0))
            .join(Item, Item.id == StockBalance.item_id).join(Location, Location.id == StockBalance.location_id)
            .where(Item.sku == sku, Location.code == place)
        ).one())


def task(runtime, task_id: int) -> Task:
    with Session(runtime.engine) as session:
        return session.get(Task, task_id)



def received_pallet(runtime) -> tuple[str, list[int]]:
    """10 SKU-00001 and 4 SKU-00006 of PO000002 received onto one new pallet in WH1/INPUT."""
    with transaction(runtime.engine) as session:
        assign_number_range(session, "OFFICE", "0400000", 1, 99)
        receipt = start_receipt(session, "PO000002", warehouse_code="WH1")
        first = receive_scan(session, OFFICE, receipt.number, gtin13(1), count=10, new_pallet=True)
        second = receive_scan(session, OFFICE, receipt.number, gtin13(6), count=4, container_code=first.container_code)
        return first.container_code, [first.next_task_id, second.next_task_id]


async def open_restock(app, pilot, tmp_path, badge="BADGE-0003") -> Floor:
    floor = Floor(app, pilot, tmp_path)
    await floor.sign_in(badge)
    await floor.scan("2")  # receiver: receive, restock, count; picker: pick, restock, count
    assert floor.state.flow == "restock" and not floor.error, floor.message
    return floor


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_put_away_a_pallet_to_suggested_bins(runtime, tmp_path, size):
    pallet, task_ids = received_pallet(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = await open_restock(app, pilot, tmp_path)
        assert "2 putaways open" in floor.details
        before = moves(runtime)
        await floor.scan(f"]C100{pallet}")
        assert floor.state.step == "to" and not floor.error, floor.message
        data = floor.state.data
        assert data.task == task_ids[0] and data.sku == "SKU-00001"
        first_bin = data.to
        assert first_bin.startswith("WH1/STOCK/") and first_bin.split("/")[-1] in floor.instruction
        assert "bin already holds this item" in floor.details or "empty bin" in floor.details
        await floor.scan(location_barcode(first_bin))
        assert not floor.error, floor.message
        assert f"put 10 SKU-00001 in {first_bin.split('/')[-1]}" in floor.message
        assert "next on the pallet" in floor.message
        assert floor.state.step == "to" and floor.state.data.task == task_ids[1]
        second_bin = floor.state.data.to
        await floor.scan(location_barcode(second_bin))
        assert not floor.error, floor.message
        assert floor.state.step == "take" and "0 putaways open" in floor.details
        assert moves(runtime) == before + 2
        assert on_hand(runtime, "SKU-00001", "WH1/INPUT") == 0 and on_hand(runtime, "SKU-00006", "WH1/INPUT") == 0
        assert all(task(runtime, task_id).state == "done" for task_id in task_ids)
        with Session(runtime.engine) as session:
            container = session.exec(select(Container).where(Container.code == pallet)).one()
            assert session.get(Location, container.location_id).code == second_bin
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
        assert "2 done" in floor.widget("status")


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    pallet, task_ids = received_pallet(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_restock(app, pilot, tmp_path)
        before = moves(runtime)


        await floor.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "take")
        await floor.refused("LPN-NOPE", "no pallet LPN-NOPE", "take")
        await floor.refused(gtin13(2), "no putaway or refill waits for SKU-00002", "take")
        await floor.refused("5901234123457", "not a known item", "take")
        await floor.key("f3")
        assert floor.error and "no task to skip" in floor.message
        await floor.key("f1")
        assert floor.state.step == "goods" and floor.state.data.task == task_ids[0], floor.message
        await floor.refused(gtin13(6), "wrong item", "goods")
        await floor.refused("LPN-OTHER", "not on this task", "goods")
        await floor.refused("1", "that is a number", "goods")
        await floor.key("f1")
        assert floor.error and "finish or skip" in floor.message
        await floor.scan(f"]C100{pallet}")
        assert floor.state.step == "to" and not floor.error, floor.message
        suggested = floor.state.data.to
        other = "WH1/STOCK/A-01-1" if suggested != "WH1/STOCK/A-01-1" else "WH1/STOCK/A-01-2"
        await floor.refused(gtin13(1), "that is an item barcode", "to")
        await floor.refused(location_barcode(other), "scan again to use", "to")
        await floor.refused(location_barcode("WH1/OUTPUT"), "scan again to use", "to")
        await floor.refused(location_barcode("WH1/OUTPUT"), "put away into a bin of WH1/STOCK", "to")
        assert moves(runtime) == before
        await floor.key("f4")
        assert floor.state.step == "goods" and "undone" in floor.message
        await floor.key("f3")
        assert not floor.error and "skipped" in floor.message and floor.state.step == "take"
        assert task(runtime, task_ids[0]).state == "open"
        assert moves(runtime) == before


async def test_another_bin_than_suggested_is_confirmed_by_scanning_twice(runtime, tmp_path):
    pallet, task_ids = received_pallet(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = await open_restock(app, pilot, tmp_path)
        await floor.scan(gtin13(6))  # by item: its putaway, straight to the bin
        assert floor.state.step == "to" and floor.state.data.task == task_ids[1], floor.message
        with Session(runtime.engine) as session:
            empty = session.exec(
                select(Location.code).where(Location.code.like("WH1/STOCK/%"),
                                            ~Location.id.in_(select(StockBalance.location_id).where(StockBalance.quantity != 0)))
                .order_by(Location.code.desc())
            ).first()
        assert empty != floor.state.data.to
        before = moves(runtime)
        await floor.scan(location_barcode(empty))
        assert floor.error and "scan again" in floor.message and moves(runtime) == before
        await floor.scan(location_barcode(empty))
        assert not floor.error, floor.message
        assert on_hand(runtime, "SKU-00006", empty) == 4 and moves(runtime) == before + 1


async def test_pick_face_refill(runtime, tmp_path):
    with transaction(runtime.engine) as session:
        # An item without lots in two bins: one becomes its pick face, the other is reserve.
        rows = session.exec(
            select(Item.sku, Location.code, StockBalance.quantity)
            .join(Item, Item.id == StockBalance.item_id).join(Location, Location.id == StockBalance.location_id)
            .where(Item.tracking == "none", Location.code.like("WH1/STOCK/%"), StockBalance.quantity > 20)
            .order_by(Item.sku, Location.code)
        ).all()
        by_sku: dict[str, list] = {}
        for sku, code, quantity in rows:
            by_sku.setdefault(sku, []).append((code, quantity))
        sku, places = next((s, p) for s, p in by_sku.items() if len(p) >= 2)
        (face, at_face), (reserve, _) = places[0], places[1]
        set_reorder_rule(session, sku, face, at_face + 1, at_face + 5, kind="pick_face")
        [refill] = plan_pick_face_refills(session, "WH1")
        assert (refill.from_code, refill.to_code, refill.quantity) == (reserve, face, 5)
    ref = int(sku.split("-")[1])
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_restock(app, pilot, tmp_path, badge="BADGE-0001")
        assert "1 refills open" in floor.details
        await floor.key("f1")
        assert floor.error and "no putaways waiting" in floor.message
        await floor.key("f2")
        assert floor.state.step == "source" and reserve.split("/")[-1] in floor.instruction, floor.message
        before = moves(runtime)
        await floor.scan(location_barcode(face))
        assert floor.error and "take from" in floor.message and floor.state.step == "source"
        await floor.scan(location_barcode(reserve))
        assert floor.state.step == "goods"
        await floor.scan(gtin13(ref))
        assert floor.state.step == "to" and face.split("/")[-1] in floor.instruction
        await floor.scan(location_barcode(reserve))
        assert floor.error and "put it in" in floor.message and floor.bells and moves(runtime) == before
        await floor.scan(location_barcode(face))
        assert not floor.error, floor.message
        assert moves(runtime) == before + 1
        assert on_hand(runtime, sku, face) == at_face + 5
        assert task(runtime, refill.task_id).state == "done"


async def test_returned_goods_back_to_stock(runtime, tmp_path):
    with transaction(runtime.engine) as session:
        # An order line shipped earlier (set up directly) comes back: 2 units in good condition.
        line, order, item = session.exec(
            select(SalesOrderLine, SalesOrder, Item).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .join(Item, Item.id == SalesOrderLine.item_id)
            .where(SalesOrder.state == "confirmed", Item.tracking == "none", SalesOrderLine.quantity >= 2)
            .order_by(SalesOrderLine.id)
        ).first()
        line.shipped_quantity = Decimal(2)
        session.flush()
        document = returns.receive_return(session, OFFICE, order.number, [returns.ReturnInput(item.sku, 2, "good")])
        return_line = session.exec(select(SalesReturnLine).where(SalesReturnLine.return_id == document.id)).one()
        target = "WH1/STOCK/A-01-1"
        task_id = returns.restock(session, return_line.id, target)
        sku, ref, return_line_id = item.sku, int(item.sku.split("-")[1]), return_line.id
    before_bin = on_hand(runtime, sku, target)
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = await open_restock(app, pilot, tmp_path)
        await floor.scan(gtin13(ref))
        assert floor.state.step == "to" and floor.state.data.task == task_id, floor.message
        assert "return to stock" in floor.details
        before = moves(runtime)
        await floor.scan(location_barcode("WH1/STOCK/A-01-2"))
        assert floor.error and "put it in A-01-1" in floor.message and moves(runtime) == before
        await floor.scan(location_barcode(target))
        assert not floor.error, floor.message
        assert moves(runtime) == before + 1
        assert on_hand(runtime, sku, target) == before_bin + 2
        assert on_hand(runtime, sku, "WH1/RETURNS") == 0
        with Session(runtime.engine) as session:
            assert session.get(SalesReturnLine, return_line_id).disposition == "restocked"
            assert session.get(Task, task_id).state == "done"


async def test_crash_mid_flow_resumes_at_the_same_step(runtime, tmp_path):
    pallet, task_ids = received_pallet(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_restock(app, pilot, tmp_path)
        await floor.key("f1")
        await floor.scan(f"]C100{pallet}")
        step, instruction, posted = floor.state.step, floor.instruction, moves(runtime)
        target = floor.state.data.to
        assert step == "to"
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        await floor.sign_in("BADGE-0003")
        assert floor.state.step == step and floor.instruction == instruction
        assert "resumed" in floor.message
        assert moves(runtime) == posted
        await floor.scan(location_barcode(target))
        assert not floor.error, floor.message
        assert moves(runtime) == posted + 1
        assert task(runtime, task_ids[0]).state == "done" and task(runtime, task_ids[0]).assignee == "RECV1"
        with Session(runtime.engine) as session:
            assert session.exec(select(func.count()).select_from(Task).where(
                Task.kind == TaskKind.PUTAWAY.value, Task.state == "done")).one() == 1

"""Count on the floor screen, end to end: blind counts of a bin (the expected quantity is never
shown), recount when asked, reason codes for what posts, unlisted items, counts a short pick
asked for; scans through the replay driver, the ledger checked afterwards."""

from decimal import Decimal

import pytest
from sqlmodel import Session, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor, moves
from wms_tui.domain.locations import location_barcode
from wms_tui.services import tasks
from wms_tui.services.demo import gtin13
from wms_tui.services.inbound.counting import plan_cycle_count
from wms_tui.services.outbound.picking import short_pick
from wms_tui.services.tasks import TaskKind
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import CountLine, Item, Location, Lot, StockBalance, StockMove, Task
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp


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



async def open_count(app, pilot, tmp_path, badge="BADGE-0001") -> Floor:
    floor = Floor(app, pilot, tmp_path)
    await floor.sign_in(badge)
    await floor.scan("3")  # picker and receiver: ..., restock, count
    assert floor.state.flow == "count" and not floor.error, floor.message
    return floor


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_blind_count_of_a_planned_bin(runtime, tmp_path, size):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    task_id = plan(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        assert "1 counts open" in floor.details
        await floor.key("f1")
        assert floor.state.step == "at" and code.split("/")[-1] in floor.instruction, floor.message
        await floor.scan(location_barcode(code))
        assert floor.state.step == "item"
        # Blind: the sheet names what to count, with "?" where a count goes, never a quantity.
        shown = floor.details.replace(" ", "")
        for sku, _lot, _quantity in held:
            assert f"{sku}?" in shown
        assert all(floor.state.data.sheet) and "expected" not in floor.details
        before = moves(runtime)
        for sku, lot, quantity in held:
            await floor.scan(item_scan(sku, lot), str(int(quantity)))
            assert not floor.error, floor.message
        assert "?" not in floor.details
        await floor.key("f5")
        assert not floor.error, floor.message
        assert f"posted: {len(held)} lines, 0 adjusted" in floor.message
        assert floor.state.step == "bin" and "1 bins" in floor.widget("status")
        assert moves(runtime) == before
        with Session(runtime.engine) as session:
            assert session.get(Task, task_id).state == "done"
            lines = session.exec(select(CountLine).join(Location, Location.id == CountLine.location_id)
                                 .where(Location.code == code)).all()
            assert {line.state for line in lines} == {"posted"} and len(lines) == len(held)
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())


async def test_difference_is_recounted_then_posted_with_a_reason(runtime, tmp_path):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    sku, _, quantity = next(entry for entry in held if entry[1] is None)
    plan(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        await floor.scan(location_barcode(code))
        assert floor.state.step == "item", floor.message
        before = moves(runtime)
        for other, lot, counted in held:
            if other != sku:
                await floor.scan(item_scan(other, lot), str(int(counted)))
        await floor.scan(item_scan(sku, None), str(int(quantity) - 1))
        await floor.key("f5")
        assert not floor.error, floor.message
        assert f"recount {code.split('/')[-1]}: {sku}" in floor.message
        assert floor.state.step == "item" and floor.state.data.recount
        assert [line.sku for line in floor.state.data.sheet] == [sku]
        assert moves(runtime) == before
        # The recount only takes the items it asks for.
        other, lot, _ = next(entry for entry in held if entry[0] != sku)
        await floor.scan(item_scan(other, lot))
        assert floor.error and "not in this recount" in floor.message
        await floor.scan(item_scan(sku, None), str(int(quantity) - 1))
        await floor.key("f5")
        assert floor.state.step == "reason" and floor.error and "differs from stock" in floor.message
        assert str(int(quantity)) not in floor.details.replace(sku, "")  # still blind
        await floor.scan("7")
        assert floor.error and "reason from 1 to" in floor.message and moves(runtime) == before
        await floor.scan("2")  # damaged
        assert not floor.error, floor.message
        assert "1 lines, 1 adjusted" in floor.message
        assert moves(runtime) == before + 1
        assert next(q for s, lot, q in contents(runtime, code) if s == sku and lot is None) == quantity - 1
        with Session(runtime.engine) as session:
            move = session.exec(select(StockMove).order_by(StockMove.id.desc())).first()
            assert move.reason == "damaged" and move.quantity == 1
            assert session.get(Location, move.to_location_id).code == "INVENTORY-LOSS"


async def test_unlisted_item_and_a_bin_without_a_planned_count(runtime, tmp_path):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    with Session(runtime.engine) as session:
        stranger = session.exec(select(Item.sku).where(Item.tracking == "none", Item.sku.not_in([s for s, _, _ in held]))
                                .order_by(Item.sku)).first()
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = await open_count(app, pilot, tmp_path, badge="BADGE-0003")
        await floor.key("f1")
        assert floor.error and "no counts waiting" in floor.message
        await floor.scan(location_barcode(code))
        assert floor.error and "scan again to count it" in floor.message and floor.state.step == "bin"
        await floor.scan(location_barcode(code))
        assert floor.state.step == "item" and not floor.error, floor.message
        before = moves(runtime)
        for sku, lot, quantity in held:
            await floor.scan(item_scan(sku, lot), str(int(quantity)))
        await floor.scan(item_scan(stranger, None), "2")
        assert f"+{stranger} 2" in floor.details
        await floor.key("f5")
        # A count planned here has threshold 0: the stranger is counted again first.
        assert f"recount {code.split('/')[-1]}: {stranger}" in floor.message, floor.message
        await floor.scan(item_scan(stranger, None), "2")
        await floor.key("f5")
        assert floor.state.step == "reason", floor.message
        await floor.scan("1")  # misplaced
        assert not floor.error, floor.message
        assert moves(runtime) == before + 1
        assert (stranger, None, Decimal(2)) in contents(runtime, code)


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    plan(runtime, code)
    tracked_sku, lot, _ = next(entry for entry in held if entry[1])
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        before = moves(runtime)


        await floor.refused(gtin13(1), "that is an item barcode", "bin")
        await floor.refused("A-01-01.00", "wrong check digit", "bin")
        await floor.key("f5")
        assert floor.error and "no count yet" in floor.message
        await floor.key("f1")
        other = "WH1/STOCK/A-01-1" if code != "WH1/STOCK/A-01-1" else "WH1/STOCK/A-01-2"
        await floor.refused(location_barcode(other), "wrong bin", "at")
        await floor.scan(location_barcode(code))
        await floor.refused(location_barcode(code), "that is a bin label", "item")
        await floor.refused("]C100340123450000000017", "container label (SSCC)", "item")
        await floor.refused("5901234123457", "not a known item", "item")
        await floor.scan(item_scan(tracked_sku, None))
        assert floor.state.step == "lot" and "lot-tracked" in floor.message
        await floor.refused("NO-SUCH-LOT", "has no lot NO-SUCH-LOT", "lot")
        await floor.type(lot)
        await floor.refused("1.5", "whole number from 0", "qty")
        await floor.refused(gtin13(1), "that is an item barcode", "qty")
        await floor.key("f5")
        assert floor.error and "finish this item first" in floor.message
        await floor.scan("0")
        assert not floor.error and floor.state.step == "item", floor.message
        await floor.key("f4")
        assert floor.state.step == "qty" and "undone" in floor.message
        assert moves(runtime) == before
        await floor.key("f3")
        assert "skipped" in floor.message and floor.state.step == "bin"


async def test_crash_mid_count_keeps_what_was_counted(runtime, tmp_path):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    plan(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        await floor.scan(location_barcode(code))
        first, *rest = held
        await floor.scan(item_scan(first[0], first[1]), str(int(first[2])))
        step, details, posted = floor.state.step, floor.details, moves(runtime)
        assert step == "item"
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        assert floor.state.step == step and floor.details == details and "resumed" in floor.message
        for sku, lot, quantity in rest:
            await floor.scan(item_scan(sku, lot), str(int(quantity)))
        await floor.key("f5")
        assert not floor.error, floor.message
        assert f"posted: {len(held)} lines, 0 adjusted" in floor.message
        assert moves(runtime) == posted


async def test_count_a_short_pick_asked_for(runtime, tmp_path):
    with transaction(runtime.engine) as session:
        warehouse = session.exec(select(Location.warehouse_id).where(Location.code == "WH1")).one()
        pick = tasks.claim_next(session, "PICK1", warehouse, kind=TaskKind.PICK)
        result = short_pick(session, PostingContext("HH9", "PICK1"), pick.id, reason="not_found")
        count_id = result.count_task_id
        code = session.get(Location, pick.location_id).code
    held = contents(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        await floor.key("f1")
        assert floor.state.step == "at" and not floor.error, floor.message
        assert floor.state.data.bin == code
        await floor.scan(location_barcode(code))
        for sku, lot, quantity in held:
            await floor.scan(item_scan(sku, lot), str(int(quantity)))
        await floor.key("f5")
        assert not floor.error and "posted" in floor.message, floor.message
        with Session(runtime.engine) as session:
            assert session.get(Task, count_id).state == "done"


async def test_an_empty_bin_found_empty(runtime, tmp_path):
    with Session(runtime.engine) as session:
        code = session.exec(
            select(Location.code).where(Location.code.like("WH1/STOCK/%"),
                                        ~Location.id.in_(select(StockBalance.location_id).where(StockBalance.quantity != 0)))
            .order_by(Location.code)
        ).first()
    task_id = plan(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_count(app, pilot, tmp_path)
        await floor.key("f1")
        await floor.scan(location_barcode(code))
        assert floor.details.strip() == f"count {code.split('/')[-1]}"
        before = moves(runtime)
        await floor.key("f5")
        assert not floor.error and "posted: 0 lines" in floor.message, floor.message
        assert moves(runtime) == before
        with Session(runtime.engine) as session:
            assert session.get(Task, task_id).state == "done"

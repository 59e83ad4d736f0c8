"""The inventory desk (F6) through keys: stock and an item's moves, transfers, kits, count
differences approved or rejected, pick-face refills and scrap; refusals keep nothing."""

import re
from decimal import Decimal

from sqlmodel import Session, select

from tests.console.deskkit import (
    SIZE,
    SUPERVISOR_BADGE,
    answer,
    bin_stock,
    cells,
    console,
    moves,
    said,
    settle,
)
from tests.console.test_orders_desk import item_in_stock
from wms_tui.domain.states import CountLineState, ExceptionKind, Resolution, TaskKind, TaskState
from wms_tui.services import tasks
from wms_tui.services.demo import DEMO_PIN
from wms_tui.services.inbound import counting, kits
from wms_tui.services.inbound.replenishment import set_reorder_rule
from wms_tui.store.ledger import PostingContext
from wms_tui.store.models import (
    CountLine,
    ExceptionResolution,
    Item,
    Location,
    StockBalance,
    StockMove,
    Task,
)
from wms_tui.store.session import transaction


def a_bin_of(runtime, sku: str) -> tuple[str, Decimal]:
    with Session(runtime.engine) as session:
        return session.exec(
            select(Location.code, StockBalance.quantity)
            .join(StockBalance, StockBalance.location_id == Location.id).join(Item, Item.id == StockBalance.item_id)
            .where(Item.sku == sku, Location.code.startswith("WH1/STOCK/"), StockBalance.quantity > 5).order_by(Location.code)
        ).first()


async def open_inventory(app, pilot, tab: str = "1") -> None:
    await settle(app, pilot)
    await pilot.press("f6")
    await settle(app, pilot)
    await pilot.press(tab)
    await settle(app, pilot)


async def test_stock_by_item_location_and_lot_and_an_items_moves(runtime, tmp_path):
    sku = item_in_stock(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot)
        await pilot.press("slash", *sku, "enter")
        await settle(app, pilot)
        [row] = cells(app, "stock")
        assert row[0] == sku and row[2] == "WH1" and Decimal(row[8]) == Decimal(row[6]) - Decimal(row[7])
        await pilot.press("g")  # by location: one row per bin, on order no longer applies
        await settle(app, pilot)
        by_bin = cells(app, "stock")
        assert by_bin and all(r[3].startswith("WH1/STOCK/") and r[9] == "" for r in by_bin)
        assert sum(Decimal(r[6]) for r in by_bin) == Decimal(row[6])
        await pilot.press("h")
        await settle(app, pilot)
        history = cells(app, "history")
        assert history and {r[4] for r in history} >= {"opening_stock"} and {r[3] for r in history} >= {"OPENING"}
        await pilot.press("3")
        await settle(app, pilot)
        assert cells(app, "valuation")[-1] == ["", "total", "0.00"]  # double entry: the ledger sums to nothing


async def test_transfer_drafted_shipped_and_received(runtime, tmp_path):
    sku = item_in_stock(runtime)
    source, held = a_bin_of(runtime, sku)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot, "4")
        await pilot.press("t")
        await answer(app, pilot, source="WH1", destination="WH2", sku=sku, location=source, quantity="2")
        text, refused = said(app)
        assert not refused and text.endswith(f"drafted: 2 {sku} from WH1 to WH2")
        number = text.split()[1]
        assert cells(app, "transfers")[0][:2] == [number, "draft"]
        await pilot.press("v", "y")  # not shipped yet: refused, nothing moves
        await settle(app, pilot)
        assert said(app) == (f"transfer {number} is draft, not shipped", True)
        await pilot.press("p", "y")
        await settle(app, pilot)
        assert said(app) == (f"transfer {number} shipped: in transit to WH2", False)
        assert bin_stock(runtime, sku, "WH2/TRANSIT") == 2
        await pilot.press("v", "y")
        await settle(app, pilot)
        assert said(app) == (f"transfer {number} received in WH2", False)
        assert cells(app, "transfers")[0][1] == "received"
    assert bin_stock(runtime, sku, source) == held - 2
    assert bin_stock(runtime, sku, "WH2/TRANSIT") == 0


async def test_kit_built_and_unbuilt_and_a_refused_unbuild_posts_nothing(runtime, tmp_path):
    component = item_in_stock(runtime)
    place, _ = a_bin_of(runtime, component)
    with transaction(runtime.engine) as session:
        kits.define_kit(session, "SKU-00060", [(component, 2)])
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot, "5")
        assert cells(app, "kits")[0][0] == "SKU-00060" and cells(app, "kits")[0][2] == f"{component} x2"
        await pilot.press("b")
        await answer(app, pilot, quantity="2", location=place)
        text, refused = said(app)
        assert not refused and text.startswith(f"built 2 SKU-00060 at {place}")
        before = moves(runtime)
        await pilot.press("u")
        await answer(app, pilot, quantity="5", location=place)
        assert said(app) == (f"{place} has only 2 SKU-00060 free to move, 5 needed", True)
        assert moves(runtime) == before
        await pilot.press("u")
        await answer(app, pilot, quantity="2", location=place)
        assert said(app) == (f"took 2 SKU-00060 apart at {place}", False)
    assert bin_stock(runtime, "SKU-00060", place) == 0


def count_over_threshold(runtime, sku: str, location: str, counted: int) -> int:
    """A count of the bin whose first count is past the threshold of 1: the line waits for a recount."""
    context = PostingContext("HH9", "CNT1")
    with transaction(runtime.engine) as session:
        plan = counting.plan_cycle_count(session, "WH1", [location], recount_threshold="1")
        task_id = plan.task_ids[0]
        tasks.claim_task(session, task_id, "CNT1")
        line = next(line for line in counting.count_sheet(session, task_id) if line.sku == sku)
        assert counting.record_count(session, context, task_id, line.line_id, counted).state == CountLineState.RECOUNT
        return line.line_id


def recount_tasks(runtime) -> list[str]:
    with Session(runtime.engine) as session:
        return session.exec(select(Task.state).where(Task.kind == TaskKind.COUNT, Task.reason == "recount")).all()


async def test_count_differences_approved_post_and_rejected_keep_the_ledger(runtime, tmp_path):
    sku = item_in_stock(runtime)
    place, held = a_bin_of(runtime, sku)
    approved = count_over_threshold(runtime, sku, place, int(held) - 4)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot, "6")
        [row] = cells(app, "counts")
        assert row[1:3] == [place, sku] and row[6] == "-4" and row[8] == "CNT1"
        await pilot.press("a")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN)
        assert said(app) == (f"count variance {approved} approved by SUP1: variance -4 {sku} posted", False)
        assert cells(app, "counts") == []
        await pilot.press("a")  # nothing under the cursor any more: nothing happens
        await settle(app, pilot)
        assert not app.screen.query("#ask-badge")  # no approval form asked for
    assert bin_stock(runtime, sku, place) == held - 4
    assert recount_tasks(runtime) == [TaskState.CANCELLED]

    rejected = count_over_threshold(runtime, sku, place, int(held) + 10)
    before = moves(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot, "6")
        await pilot.press("j")
        await answer(app, pilot, badge=SUPERVISOR_BADGE, pin=DEMO_PIN)
        assert said(app) == (f"count variance {rejected} rejected by SUP1: {sku} keeps the ledger's quantity", False)
    assert moves(runtime) == before
    with Session(runtime.engine) as session:
        assert session.get(CountLine, rejected).state == CountLineState.REJECTED
        recorded = session.exec(select(ExceptionResolution).order_by(ExceptionResolution.id)).all()
        assert [(r.kind, r.reference, r.action, r.resolved_by) for r in recorded] == [
            (ExceptionKind.COUNT_VARIANCE, str(approved), Resolution.APPROVED, "SUP1"),
            (ExceptionKind.COUNT_VARIANCE, str(rejected), Resolution.REJECTED, "SUP1"),
        ]


async def test_pick_face_refills_planned_once(runtime, tmp_path):
    sku = item_in_stock(runtime)
    with transaction(runtime.engine) as session:
        set_reorder_rule(session, sku, "WH1/STOCK/C-01-1", 10, 20, kind="pick_face")
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot, "7")
        assert cells(app, "faces") == [[sku, "WH1/STOCK/C-01-1", "10", "20", "0", "0", "yes"]]
        await pilot.press("f", "y")
        await settle(app, pilot)
        text, refused = said(app)
        assert not refused and re.match(rf"\d refill task\(s\): {sku} \d+ WH1/STOCK/\S+ -> WH1/STOCK/C-01-1", text)
        assert cells(app, "faces")[0][5:] == ["20", ""]  # up to the maximum
        await pilot.press("f", "y")
        await settle(app, pilot)
        assert said(app) == ("no pick face in WH1 is below its minimum (or none can be refilled from reserve)", True)
    with Session(runtime.engine) as session:
        refills = session.exec(select(Task.quantity).where(Task.kind == TaskKind.REPLENISH, Task.state == TaskState.OPEN)).all()
        assert sum(refills) == 20


async def test_scrap_needs_a_reason_and_posts_one_move_to_scrap(runtime, tmp_path):
    sku = item_in_stock(runtime)
    place, held = a_bin_of(runtime, sku)
    before = moves(runtime)
    app = console(runtime, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_inventory(app, pilot)
        await pilot.press("x")
        await answer(app, pilot, sku=sku, location=place, quantity="1", reason="")
        assert said(app) == (f"scrapping {sku} at {place} needs a reason", True)
        assert moves(runtime) == before
        await pilot.press("x")
        await answer(app, pilot, sku=sku, location=place, quantity="1", reason="crushed")
        assert said(app) == (f"scrapped 1 {sku} from {place}: crushed", False)
    assert bin_stock(runtime, sku, place) == held - 1
    with Session(runtime.engine) as session:
        last = session.exec(select(StockMove).order_by(StockMove.sequence.desc()).where(StockMove.terminal_id == "DESK1")).first()
        assert (last.reason, last.operator, last.document_ref) == ("scrap", "SUP1", "SCRAP: crushed")

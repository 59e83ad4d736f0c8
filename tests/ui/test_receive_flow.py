"""Receive on the floor screen, end to end at the three terminal sizes: scans through the replay
driver, the ledger checked afterwards (stock in WH1/INPUT, PO lines, putaway tasks, pallet
labels queued); every wrong scan rings twice and posts nothing."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from biip.checksums import gs1_standard_check_digit
from sqlmodel import Session, func, select

from tests.ui.floorkit import SIZE_IDS, SIZES, Floor, moves, runtime_on_copy
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import gtin13, gtin14_case
from wms_tui.services.floor.terminal import PrintRequest, Terminal
from wms_tui.services.outbound.packing import assign_number_range
from wms_tui.services.tasks import TaskKind
from wms_tui.store.models import (
    Container,
    Item,
    Location,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Reservation,
    SalesOrderLine,
    StockBalance,
    Task,
)
from wms_tui.store.session import transaction
from wms_tui.ui.app import WmsApp

EXPIRY = date.today() + timedelta(days=90)


class Printer:
    """Stands in for the terminal's print queue: records what the floor asked to print."""

    def __init__(self) -> None:
        self.requests: list[PrintRequest] = []

    def submit(self, requests) -> None:
        self.requests.extend(requests)

    def pending(self) -> int:
        return len(self.requests)

    def stop(self) -> None:
        pass



def on_hand(runtime, sku: str, place: str, container: str | None = None) -> Decimal:
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


def putaways(runtime, receipt: str) -> list[Task]:
    with Session(runtime.engine) as session:
        return list(session.exec(select(Task).where(Task.document_ref == receipt, Task.kind == TaskKind.PUTAWAY.value)).all())


def supplier_sscc(serial: int) -> str:
    """A supplier's pallet label: a valid SSCC outside this terminal's range."""
    body = f"0590123{serial:010d}"
    return body + str(gs1_standard_check_digit(body))


def lot_scan(ref: int, lot: str, expiry: date | None = EXPIRY) -> str:
    """GS1-128: GTIN, expiry (AI 17) and lot (AI 10, last: variable length)."""
    dated = f"17{expiry:%y%m%d}" if expiry else ""
    return f"]C101{gtin13(ref).zfill(14)}{dated}10{lot}"


@pytest.fixture
def runtime(demo_template, tmp_path):
    runtime = runtime_on_copy(demo_template, tmp_path)
    with transaction(runtime.engine) as session:
        assign_number_range(session, "HH1", "0400000", 1, 999)
    yield runtime
    runtime.close()


def use_printer(app) -> Printer:
    """Replace the terminal's print station (none is configured) once the app has set it up."""
    ready = getattr(app, "printing_ready", None)
    if ready is not None:
        assert ready.wait(10)
    app.printing = Printer()
    return app.printing


async def open_receive(app, pilot, tmp_path, badge="BADGE-0003") -> Floor:
    floor = Floor(app, pilot, tmp_path)
    use_printer(app)
    await floor.sign_in(badge)
    assert "Receive" in floor.details
    await floor.scan("1" if badge == "BADGE-0003" else "4")
    assert floor.state.flow == "receive" and not floor.error, floor.message
    return floor


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_receive_a_po_onto_a_new_pallet(runtime, tmp_path, size):
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        assert "PO, supplier or item" in floor.instruction
        before = moves(runtime)
        await floor.scan("PO000002")
        assert floor.state.step == "item" and "PO000002" in floor.instruction, floor.message
        receipt = floor.state.data.receipt
        # A lot- and expiry-tracked item scanned as GS1-128 with both: straight to the quantity.
        await floor.scan(lot_scan(31, "LOT-A"))
        assert floor.state.step == "qty" and not floor.error, floor.message
        assert "ordered 43" in floor.details
        await floor.scan("5")
        assert floor.state.step == "pallet" and "which pallet" in floor.message
        await floor.key("f2")
        assert not floor.error, floor.message
        pallet = floor.state.data.pallet
        assert len(pallet) == 18 and pallet in floor.details
        assert app.printing.requests == [PrintRequest("pallet", pallet)]
        assert "got 5 SKU-00031" in floor.message
        # The next item goes on the open pallet without asking; a case barcode counts its pack.
        await floor.scan(gtin14_case(1), "2")
        assert not floor.error, floor.message
        with Session(runtime.engine) as session:
            per_case = session.exec(select(ReceiptLine.quantity).where(ReceiptLine.id == max(
                session.exec(select(ReceiptLine.id).join(Receipt, Receipt.id == ReceiptLine.receipt_id)
                             .where(Receipt.number == receipt)).all()))).one()
        assert per_case in (12, 24, 6 * 2, 12 * 2, 24 * 2) and per_case % 2 == 0
        assert moves(runtime) == before + 2
        assert on_hand(runtime, "SKU-00031", "WH1/INPUT", pallet) == 5
        assert on_hand(runtime, "SKU-00001", "WH1/INPUT", pallet) == per_case
        assert po_line(runtime, "PO000002", "SKU-00031").received_quantity == 5
        assert [t.quantity for t in putaways(runtime, receipt)] == [5, per_case]
        assert len(app.printing.requests) == 1
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
        assert f"{receipt} 2 lines" in floor.widget("status")
        await floor.key("f5")
        assert floor.state.flow == "menu" and "done: 2 lines" in floor.message
        with Session(runtime.engine) as session:
            assert session.exec(select(Receipt.state).where(Receipt.number == receipt)).one() == "done"


async def test_find_the_po_by_item_then_lot_and_expiry_typed(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        await floor.scan(gtin13(10))  # SKU-00010 is only on PO000004
        assert floor.state.data.po == "PO000004", floor.message
        await floor.scan(gtin13(10))
        assert floor.state.step == "lot" and "lot-tracked" in floor.message
        await floor.type("L-77")
        assert floor.state.step == "expiry"
        await floor.type(f"{EXPIRY:%y%m%d}")
        assert floor.state.step == "qty"
        await floor.scan("4")
        await floor.scan(f"]C100{supplier_sscc(17)}")  # the label the supplier put on the pallet
        assert not floor.error, floor.message
        assert on_hand(runtime, "SKU-00010", "WH1/INPUT", supplier_sscc(17)) == 4
        assert app.printing.requests == []  # the supplier's label is already on the pallet


async def test_wrong_scans_ring_twice_and_post_nothing(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        before = moves(runtime)


        await floor.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "source")
        await floor.refused("PO999999", "no open purchase order", "source")
        await floor.refused("S002", "several open purchase orders", "source")
        await floor.refused("]C100340123450000000017", "container label (SSCC)", "source")
        await floor.scan("PO000002")
        await floor.refused(gtin13(2), "not on PO000002", "item")
        await floor.refused("5901234123457", "not a known item", "item")
        await floor.refused("]C100340123450000000017", "container label (SSCC)", "item")
        await floor.refused(lot_scan(31, "OLD", date.today() - timedelta(days=1)), "in the past", "item")
        await floor.scan(gtin13(31))
        await floor.refused("]C100340123450000000017", "container label (SSCC)", "lot")
        await floor.type("LOT-X")
        await floor.refused("991399", "not a date", "expiry")
        await floor.refused((date.today() - timedelta(days=3)).strftime("%y%m%d"), "in the past", "expiry")
        await floor.type(f"{EXPIRY:%y%m%d}")
        await floor.refused("0", "whole number from 1", "qty")
        await floor.refused("2.5", "whole number", "qty")
        await floor.refused(gtin13(31), "that is an item barcode", "qty")
        await floor.scan("3")
        await floor.refused(gtin13(31), "that is an item barcode", "pallet")
        await floor.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "pallet")
        await floor.key("f3")
        assert floor.error and "finish this item first" in floor.message
        assert moves(runtime) == before
        await floor.key("f4")
        assert floor.state.step == "qty" and "undone" in floor.message
        assert moves(runtime) == before


async def test_over_receipt_needs_a_supervisor_badge_and_a_reason(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(40, 25)) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        await floor.scan("PO000002", gtin13(6))  # SKU-00006: 10 ordered
        before = moves(runtime)
        await floor.scan("12")
        assert floor.state.step == "supervisor" and floor.error and "2 SKU-00006 more than ordered" in floor.message
        bells = floor.bells
        await floor.scan("BADGE-0001")  # a picker's badge
        assert floor.error and "only a supervisor" in floor.message and floor.bells == bells + 2
        await floor.scan("NOT-A-BADGE")
        assert floor.error and "not a badge" in floor.message
        assert floor.state.step == "supervisor" and moves(runtime) == before
        await floor.scan("BADGE-0009")
        assert floor.state.step == "over_reason" and "supplier_extra" in floor.details
        await floor.scan("9")
        assert floor.error and floor.state.step == "over_reason"
        await floor.scan("1", f"]C100{supplier_sscc(24)}")
        assert not floor.error, floor.message
        assert "2 over" in floor.message
        assert moves(runtime) == before + 1
        line = po_line(runtime, "PO000002", "SKU-00006")
        assert line.received_quantity == 12
        with Session(runtime.engine) as session:
            received = session.exec(select(ReceiptLine).where(ReceiptLine.purchase_order_line_id == line.id)).one()
            assert received.over_quantity == 2 and received.over_reason == "supplier_extra (ok SUP1)"


async def test_cross_dock_when_a_back_order_waits(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(80, 24)) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        # SO-000003 waits for 11 SKU-00026, on order with PO000003.
        await floor.scan("PO000003", gtin13(26), "11")
        await floor.key("f2")
        assert floor.state.step == "crossdock", floor.message
        assert "SO-000003 waits" in floor.details and "back order SO-000003" in floor.message
        await floor.scan("3")
        assert floor.error and floor.state.step == "crossdock"
        before = moves(runtime)
        await floor.scan("1")
        assert not floor.error, floor.message
        assert floor.state.step == "item"
        assert moves(runtime) == before + 1
        assert on_hand(runtime, "SKU-00026", "WH1/OUTPUT") == 11
        assert on_hand(runtime, "SKU-00026", "WH1/INPUT") == 0
        with Session(runtime.engine) as session:
            line = session.exec(select(SalesOrderLine).join(Item, Item.id == SalesOrderLine.item_id)
                                .where(Item.sku == "SKU-00026")).one()
            assert line.backordered_quantity == 0
            assert session.exec(select(func.sum(Reservation.quantity)).where(Reservation.order_line_id == line.id)).one() == 11
        assert all(t.state == "cancelled" for t in putaways(runtime, floor.state.data.receipt))


async def test_crash_mid_flow_resumes_at_the_same_step(runtime, tmp_path):
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = await open_receive(app, pilot, tmp_path)
        await floor.scan("PO000002", gtin13(1), "2")
        await floor.key("f2")
        pallet, receipt = floor.state.data.pallet, floor.state.data.receipt
        await floor.scan(gtin13(31), "LOT-C")
        step, instruction, posted = floor.state.step, floor.instruction, moves(runtime)
        assert step == "expiry"
    # Battery swap: the app is gone without signing out; a new one on the same database.
    again = WmsApp(runtime)
    async with again.run_test(size=(20, 16)) as pilot:
        floor = Floor(again, pilot, tmp_path)
        use_printer(again)
        await floor.sign_in("BADGE-0003")
        assert floor.state.step == step and floor.instruction == instruction
        assert "resumed" in floor.message and floor.state.data.pallet == pallet
        assert moves(runtime) == posted
        await floor.type(f"{EXPIRY:%y%m%d}")
        await floor.scan("7")
        assert not floor.error, floor.message
        assert moves(runtime) == posted + 1
        assert on_hand(runtime, "SKU-00031", "WH1/INPUT", pallet) == 7
        assert [t.quantity for t in putaways(runtime, receipt)] == [2, 7]
        assert again.printing.requests == []


def test_closing_the_pallet_shows_none_open(runtime):
    floor = Terminal(runtime.engine, "HH1", "WH1")
    floor.open()
    floor.submit("BADGE-0003")
    floor.submit("1")
    floor.submit("PO000002")
    floor.submit(gtin13(6))
    floor.submit("1")
    screen = floor.press(2)  # a new pallet for the first line
    pallet = floor.state.data.pallet
    assert screen.ok and pallet and ["pallet", pallet] == list(screen.details[2:4]), screen.message
    screen = floor.press(3)
    assert screen.ok and f"pallet {pallet} closed" in screen.message
    assert "no pallet open" in screen.details and pallet not in screen.details

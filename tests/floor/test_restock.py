"""Restock, step by step on the terminal service: putaway of a received pallet to suggested bins,
pick-face refills and returned goods back to stock; the ledger and the tasks checked afterwards;
wrong scans post nothing; another bin is confirmed by scanning twice; a crash mid-flow resumes."""

from decimal import Decimal

from sqlmodel import Session, func, select

from tests.floor.inbound import OFFICE, on_hand, received_pallet
from tests.floor.kit import Desk, held_task, moves
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.reasons import MoveReason
from wms_tui.domain.states import TaskKind
from wms_tui.services import catalog
from wms_tui.services.demo import gtin13
from wms_tui.services.inbound.replenishment import plan_pick_face_refills, set_reorder_rule
from wms_tui.services.outbound import returns
from wms_tui.store.ledger import MoveRequest, post_moves
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


def task(runtime, task_id: int) -> Task:
    with Session(runtime.engine) as session:
        return session.get(Task, task_id)


def open_restock(runtime, badge: str = "BADGE-0003") -> Desk:
    desk = Desk(runtime)
    desk.sign_in(badge)
    desk.scan("2")  # receiver: receive, restock, count; picker: pick, restock, count
    assert desk.flow == "restock" and not desk.error, desk.message
    return desk


def test_put_away_a_pallet_to_suggested_bins(runtime):
    pallet, task_ids = received_pallet(runtime)
    desk = open_restock(runtime)
    assert "2 putaways open" in desk.details
    before = moves(runtime)
    desk.scan(f"]C100{pallet}")
    assert desk.step == "to" and not desk.error, desk.message
    first = held_task(runtime, "RECV1")
    assert first.id == task_ids[0] and first.sku == "SKU-00001"
    assert first.target.startswith("WH1/STOCK/") and first.target.split("/")[-1] in desk.instruction
    assert "bin already holds this item" in desk.details or "empty bin" in desk.details
    desk.scan(location_barcode(first.target))
    assert not desk.error, desk.message
    assert f"put 10 SKU-00001 in {first.target.split('/')[-1]}" in desk.message
    assert "next on the pallet" in desk.message
    second = held_task(runtime, "RECV1")
    assert desk.step == "to" and second.id == task_ids[1]
    desk.scan(location_barcode(second.target))
    assert not desk.error, desk.message
    assert desk.step == "take" and "0 putaways open" in desk.details
    assert moves(runtime) == before + 2
    assert on_hand(runtime, "SKU-00001", "WH1/INPUT") == 0 and on_hand(runtime, "SKU-00006", "WH1/INPUT") == 0
    assert all(task(runtime, task_id).state == "done" for task_id in task_ids)
    with Session(runtime.engine) as session:
        container = session.exec(select(Container).where(Container.code == pallet)).one()
        assert session.get(Location, container.location_id).code == second.target
    assert "2 done" in desk.progress


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    pallet, task_ids = received_pallet(runtime)
    desk = open_restock(runtime)
    before = moves(runtime)
    desk.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "take")
    desk.refused("LPN-NOPE", "unknown pallet", "take")
    desk.refused(gtin13(2), "no putaway or refill waits for SKU-00002", "take")
    desk.refused("5901234123457", "not a known item", "take")
    desk.key("f3")
    assert desk.error and "no task to skip" in desk.message
    desk.key("f1")
    assert desk.step == "goods" and held_task(runtime, "RECV1").id == task_ids[0], desk.message
    desk.refused(gtin13(6), "wrong item", "goods")
    desk.refused("LPN-OTHER", "not on this task", "goods")
    desk.refused("1", "that is a number", "goods")
    desk.key("f1")
    assert desk.error and "finish or skip" in desk.message
    desk.scan(f"]C100{pallet}")
    assert desk.step == "to" and not desk.error, desk.message
    suggested = held_task(runtime, "RECV1").target
    other = "WH1/STOCK/A-01-1" if suggested != "WH1/STOCK/A-01-1" else "WH1/STOCK/A-01-2"
    desk.refused(gtin13(1), "that is an item barcode", "to")
    desk.refused(location_barcode(other), "scan again to use", "to")
    desk.refused(location_barcode("WH1/OUTPUT"), "scan again to use", "to")
    desk.refused(location_barcode("WH1/OUTPUT"), "put away into a bin of WH1/STOCK", "to")
    assert moves(runtime) == before
    desk.key("f4")
    assert desk.step == "goods" and "undone" in desk.message
    desk.key("f3")
    assert not desk.error and "skipped" in desk.message and desk.step == "take"
    assert task(runtime, task_ids[0]).state == "open"
    assert moves(runtime) == before


def test_another_bin_than_suggested_is_confirmed_by_scanning_twice(runtime):
    pallet, task_ids = received_pallet(runtime)
    desk = open_restock(runtime)
    desk.scan(gtin13(6))  # by item: its putaway, straight to the bin
    held = held_task(runtime, "RECV1")
    assert desk.step == "to" and held.id == task_ids[1], desk.message
    with Session(runtime.engine) as session:
        empty = session.exec(
            select(Location.code).where(Location.code.like("WH1/STOCK/%"),
                                        ~Location.id.in_(select(StockBalance.location_id).where(StockBalance.quantity != 0)))
            .order_by(Location.code.desc())
        ).first()
    assert empty != held.target
    before = moves(runtime)
    desk.refused(location_barcode(empty), "scan again", "to")
    desk.scan(location_barcode(empty))
    assert not desk.error, desk.message
    assert on_hand(runtime, "SKU-00006", empty) == 4 and moves(runtime) == before + 1


def test_pick_face_refill(runtime):
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
    desk = open_restock(runtime, badge="BADGE-0001")
    assert "1 refills open" in desk.details
    desk.key("f1")
    assert desk.error and "no putaways waiting" in desk.message
    desk.key("f2")
    assert desk.step == "source" and reserve.split("/")[-1] in desk.instruction, desk.message
    before = moves(runtime)
    desk.refused(location_barcode(face), "take from", "source")
    desk.scan(location_barcode(reserve))
    assert desk.step == "goods"
    desk.scan(gtin13(ref))
    assert desk.step == "to" and face.split("/")[-1] in desk.instruction
    desk.refused(location_barcode(reserve), "put it in", "to")
    desk.scan(location_barcode(face))
    assert not desk.error, desk.message
    assert moves(runtime) == before + 1
    assert on_hand(runtime, sku, face) == at_face + 5
    assert task(runtime, refill.task_id).state == "done"


def test_returned_goods_back_to_stock(runtime):
    with transaction(runtime.engine) as session:
        # An order line shipped earlier (set up directly) comes back: 2 units in good condition.
        line, order, item = session.exec(
            select(SalesOrderLine, SalesOrder, Item).join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .join(Item, Item.id == SalesOrderLine.item_id)
            .where(SalesOrder.state == "confirmed", Item.tracking == "none", SalesOrderLine.quantity >= 2)
            .order_by(SalesOrderLine.id)
        ).first()
        line.shipped_quantity = Decimal(2)
        # Returns are checked against what the ledger delivered on the order.
        post_moves(session.connection(), [MoveRequest(
            item.id, catalog.shared_location(session, "OPENING").id, catalog.shared_location(session, "CUSTOMERS").id, 2,
            document_ref=order.number, document_line_id=line.id, reason=MoveReason.SHIP,
        )], OFFICE)
        session.flush()
        document = returns.receive_return(session, OFFICE, order.number, [returns.ReturnInput(item.sku, 2, "good")])
        return_line = session.exec(select(SalesReturnLine).where(SalesReturnLine.return_id == document.id)).one()
        target = "WH1/STOCK/A-01-1"
        task_id = returns.restock(session, return_line.id, target)
        sku, ref, return_line_id = item.sku, int(item.sku.split("-")[1]), return_line.id
    before_bin = on_hand(runtime, sku, target)
    desk = open_restock(runtime)
    desk.scan(gtin13(ref))
    assert desk.step == "to" and held_task(runtime, "RECV1").id == task_id, desk.message
    assert "return to stock" in desk.details
    before = moves(runtime)
    desk.refused(location_barcode("WH1/STOCK/A-01-2"), "put it in A-01-1", "to")
    desk.scan(location_barcode(target))
    assert not desk.error, desk.message
    assert moves(runtime) == before + 1
    assert on_hand(runtime, sku, target) == before_bin + 2
    assert on_hand(runtime, sku, "WH1/RETURNS") == 0
    with Session(runtime.engine) as session:
        assert session.get(SalesReturnLine, return_line_id).disposition == "restocked"
        assert session.get(Task, task_id).state == "done"


def test_crash_mid_flow_resumes_at_the_same_step(runtime):
    pallet, task_ids = received_pallet(runtime)
    desk = open_restock(runtime)
    desk.key("f1")
    desk.scan(f"]C100{pallet}")
    step, instruction, posted = desk.step, desk.instruction, moves(runtime)
    target = held_task(runtime, "RECV1").target
    assert step == "to"
    desk = desk.restart()
    desk.sign_in("BADGE-0003")
    assert desk.step == step and desk.instruction == instruction
    assert "resumed" in desk.message
    assert moves(runtime) == posted
    desk.scan(location_barcode(target))
    assert not desk.error, desk.message
    assert moves(runtime) == posted + 1
    assert task(runtime, task_ids[0]).state == "done" and task(runtime, task_ids[0]).assignee == "RECV1"
    with Session(runtime.engine) as session:
        assert session.exec(select(func.count()).select_from(Task).where(
            Task.kind == TaskKind.PUTAWAY.value, Task.state == "done")).one() == 1

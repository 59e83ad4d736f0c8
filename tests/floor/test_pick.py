"""Pick, step by step on the terminal service: wrong scans, expired lots, short picks, undo and
crash-resume; the ledger and the tasks checked afterwards."""

from datetime import date

from sqlmodel import Session, select

from tests.floor.kit import Desk, held_task, moves
from wms_tui.domain.flows import legend_lines
from wms_tui.domain.states import TaskKind
from wms_tui.services.demo import gtin13
from wms_tui.services.floor.handlers import FLOWS
from wms_tui.services.outbound.allocation import allocate
from wms_tui.services.outbound.orders import LineInput, confirm_orders, create_order
from wms_tui.store.models import Item, ItemBarcode, Lot, PickDiscrepancy, StockBalance, Task
from wms_tui.store.session import transaction


def next_pick_task(runtime) -> Desk:
    """Picker signs in, chooses Pick and takes the next task of the queue (F1)."""
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan("1")
    desk.key("f1")
    assert desk.step == "bin", desk.message
    return desk


def test_pick_a_task_into_a_tote(runtime):
    desk = next_pick_task(runtime)
    task = held_task(runtime, "PICK1")
    assert task.bin.split("/", 2)[-1] in desk.instruction
    before = moves(runtime)
    desk.scan(task.bin_scan, task.item_scan, "", "TOTE-9")  # the scan counts one; Enter takes it
    assert not desk.error, desk.message
    assert f"picked 1 {task.sku} into TOTE-9" in desk.message
    assert moves(runtime) == before + 1
    with Session(runtime.engine) as session:
        done = session.get(Task, task.id)
        assert done.done_quantity == 1 and done.assignee == "PICK1"


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    desk = next_pick_task(runtime)
    task = held_task(runtime, "PICK1")
    before = moves(runtime)
    other_item = gtin13(2 if task.sku == "SKU-00001" else 1)
    desk.refused(task.item_scan, "that is an item barcode", "bin")
    desk.refused("A-01-01.00", "wrong check digit", "bin")
    desk.refused("003" + "1" * 15, "unreadable barcode", "bin")
    desk.scan(task.bin_scan)
    desk.refused("]C100340123450000000017", "container label (SSCC)", "item")
    desk.refused(other_item, "wrong item", "item")
    desk.refused("5901234123457", "not a known item", "item")
    desk.refused(task.bin_scan, "that is a bin label", "item")
    desk.scan(task.item_scan)
    desk.refused("0", "whole number from 1", "qty")
    desk.refused("99999", "over-pick", "qty")
    desk.refused("1.5", "whole number", "qty")
    desk.refused(other_item, "wrong item", "qty")
    desk.refused(task.bin_scan, "that is a bin label", "qty")
    assert moves(runtime) == before


def test_expired_lot_is_refused(runtime):
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
        gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item.id,
                                                              ItemBarcode.quantity == 1)).first()
    desk = Desk(runtime)
    desk.sign_in("BADGE-0001")
    desk.scan("1", number)
    task = held_task(runtime, "PICK1")
    assert task.sku == sku and task.lot != expired_code
    before = moves(runtime)
    desk.scan(task.bin_scan, f"]C101{gtin.zfill(14)}10{expired_code}")
    assert desk.error and "expired" in desk.message, desk.message
    assert desk.step == "item" and moves(runtime) == before


def test_short_pick_with_reason_queues_a_count(runtime):
    desk = next_pick_task(runtime)
    task = held_task(runtime, "PICK1")
    desk.key("f2")
    assert desk.step == "found"
    desk.refused("99", "found: 0 to", "found")
    desk.scan("0")
    assert desk.step == "reason" and "not_found" in desk.details
    desk.scan("9")
    assert desk.error and desk.step == "reason"
    desk.scan("3")  # not_found
    assert not desk.error, desk.message
    assert "bin count queued" in desk.message
    with Session(runtime.engine) as session:
        discrepancy = session.exec(select(PickDiscrepancy).where(PickDiscrepancy.task_id == task.id)).one()
        assert discrepancy.reason_code == "not_found"
        assert session.get(Task, discrepancy.count_task_id).kind == TaskKind.COUNT.value


def test_crash_mid_flow_resumes_at_the_same_step(runtime):
    desk = next_pick_task(runtime)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan)
    step, instruction, posted = desk.step, desk.instruction, moves(runtime)
    assert step == "qty" and instruction.startswith("1 of")
    # The terminal is gone without signing out (battery swap); a new one on the same database:
    desk = desk.restart()
    desk.sign_in("BADGE-0001")
    assert desk.step == step and desk.instruction == instruction
    assert "resumed" in desk.message
    desk.scan("")  # Enter takes the one counted: it waits for a tote
    assert desk.step == "tote" and desk.instruction == f"Tote for 1 {task.sku}"
    desk = desk.restart()
    desk.sign_in("BADGE-0001")
    assert desk.step == "tote" and desk.instruction == f"Tote for 1 {task.sku}"  # still in hand
    assert moves(runtime) == posted
    desk.scan("TOTE-1")
    assert not desk.error, desk.message
    assert moves(runtime) == posted + 1 and "TOTE-1" in desk.progress


def test_undo_goes_back_one_scan_until_posted(runtime):
    desk = next_pick_task(runtime)
    task = held_task(runtime, "PICK1")
    desk.scan(task.bin_scan, task.item_scan)
    assert desk.step == "qty"
    desk.type("*4")  # the non-F-key fallback for F4
    assert desk.step == "item" and "undone" in desk.message
    desk.key("f4")
    assert desk.step == "bin"
    desk.key("f4")
    assert desk.error and "nothing to undo" in desk.message and desk.step == "bin"
    desk.scan(task.bin_scan, task.item_scan, "1", "TOTE-2")
    assert not desk.error, desk.message
    desk.key("f4")  # the pick is posted: the ledger corrects with moves, not by forgetting
    assert desk.error and "nothing to undo" in desk.message


def test_legend_fits_twenty_columns():
    for handler in FLOWS:
        assert all(len(line) <= 20 for line in legend_lines(handler.flow.actions, 20)), handler.flow.name


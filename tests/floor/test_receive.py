"""Receive, step by step on the terminal service: stock in WH1/INPUT, PO lines, putaway tasks and
pallet labels asked for; wrong scans post nothing; over-receipt, cross-dock and a crash mid-flow."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session, func, select

from tests.floor.inbound import (
    EXPIRY,
    lot_scan,
    number_pallets,
    on_hand,
    po_line,
    putaways,
    receipt_of,
    supplier_sscc,
)
from tests.floor.kit import Desk, moves
from wms_tui.domain.auth import REFUSED, AuthKind, AuthOutcome
from wms_tui.domain.flows import PrintRequest
from wms_tui.domain.locations import location_barcode
from wms_tui.services.demo import DEMO_PIN, gtin13, gtin14_case
from wms_tui.store.models import AuthEvent, Item, Receipt, ReceiptLine, Reservation, SalesOrderLine


@pytest.fixture(autouse=True)
def pallet_numbers(runtime):
    number_pallets(runtime)


def open_receive(runtime, badge: str = "BADGE-0003") -> Desk:
    desk = Desk(runtime)
    desk.sign_in(badge)
    assert "Receive" in desk.details
    desk.scan("1" if badge == "BADGE-0003" else "4")
    assert desk.flow == "receive" and not desk.error, desk.message
    return desk


def test_receive_a_po_onto_a_new_pallet(runtime):
    desk = open_receive(runtime)
    assert "PO, supplier or item" in desk.instruction
    before = moves(runtime)
    desk.scan("PO000002")
    assert desk.step == "item" and "PO000002" in desk.instruction, desk.message
    receipt = receipt_of(runtime, "PO000002")
    # A lot- and expiry-tracked item scanned as GS1-128 with both: straight to the quantity.
    desk.scan(lot_scan(31, "LOT-A"))
    assert desk.step == "qty" and not desk.error, desk.message
    assert "ordered 43" in desk.details
    desk.scan("5")
    assert desk.step == "pallet" and "which pallet" in desk.message
    desk.key("f2")
    assert not desk.error, desk.message
    [label] = desk.printed
    pallet = label.reference
    assert label == PrintRequest("pallet", pallet) and len(pallet) == 18 and pallet in desk.details
    assert "got 5 SKU-00031" in desk.message
    # The next item goes on the open pallet without asking; a case barcode counts its pack.
    desk.scan(gtin14_case(1), "2")
    assert not desk.error, desk.message
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
    assert len(desk.printed) == 1
    assert desk.shown.status == "PO000002 2 lines"
    desk.key("f5")
    assert desk.flow == "menu" and "done: 2 lines" in desk.message
    with Session(runtime.engine) as session:
        assert session.exec(select(Receipt.state).where(Receipt.number == receipt)).one() == "done"


def test_find_the_po_by_item_then_lot_and_expiry_typed(runtime):
    desk = open_receive(runtime)
    desk.scan(gtin13(10))  # SKU-00010 is only on PO000004
    assert "PO000004" in desk.instruction, desk.message
    desk.scan(gtin13(10))
    assert desk.step == "lot" and "lot-tracked" in desk.message
    desk.type("L-77")
    assert desk.step == "expiry"
    desk.type(f"{EXPIRY:%y%m%d}")
    assert desk.step == "qty"
    desk.scan("4")
    desk.scan(f"]C100{supplier_sscc(17)}")  # the label the supplier put on the pallet
    assert not desk.error, desk.message
    assert on_hand(runtime, "SKU-00010", "WH1/INPUT", supplier_sscc(17)) == 4
    assert desk.printed == []  # the supplier's label is already on the pallet


def test_wrong_scans_are_refused_and_post_nothing(runtime):
    desk = open_receive(runtime)
    before = moves(runtime)
    desk.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "source")
    desk.refused("PO999999", "no open purchase order", "source")
    desk.refused("S002", "several open purchase orders", "source")
    desk.refused("]C100340123450000000017", "container label (SSCC)", "source")
    desk.scan("PO000002")
    desk.refused(gtin13(2), "not on PO000002", "item")
    desk.refused("5901234123457", "not a known item", "item")
    desk.refused("]C100340123450000000017", "container label (SSCC)", "item")
    desk.refused(lot_scan(31, "OLD", date.today() - timedelta(days=1)), "in the past", "item")
    desk.scan(gtin13(31))
    desk.refused("]C100340123450000000017", "container label (SSCC)", "lot")
    desk.type("LOT-X")
    desk.refused("991399", "not a date", "expiry")
    desk.refused((date.today() - timedelta(days=3)).strftime("%y%m%d"), "in the past", "expiry")
    desk.type(f"{EXPIRY:%y%m%d}")
    desk.refused("0", "whole number from 1", "qty")
    desk.refused("2.5", "whole number", "qty")
    desk.refused(gtin13(31), "that is an item barcode", "qty")
    desk.scan("3")
    desk.refused(gtin13(31), "that is an item barcode", "pallet")
    desk.refused(location_barcode("WH1/STOCK/A-01-1"), "that is a bin label", "pallet")
    desk.key("f3")
    assert desk.error and "finish this item first" in desk.message
    assert moves(runtime) == before
    desk.key("f4")
    assert desk.step == "qty" and "undone" in desk.message
    assert moves(runtime) == before


def test_over_receipt_needs_a_supervisor_badge_and_pin_and_a_reason(runtime):
    desk = open_receive(runtime)
    desk.scan("PO000002", gtin13(6))  # SKU-00006: 10 ordered
    before = moves(runtime)
    desk.scan("12")
    assert desk.step == "supervisor" and desk.error and "2 SKU-00006 more than ordered" in desk.message
    desk.scan("BADGE-0009")  # the supervisor's badge alone does not approve
    assert desk.step == "supervisor_pin" and not desk.error
    desk.refused("9999", REFUSED, "supervisor")  # wrong PIN: the badge again
    desk.scan("NOT-A-BADGE")
    desk.refused(DEMO_PIN, REFUSED, "supervisor")  # an unknown badge reads the same
    desk.scan("BADGE-0001")
    desk.refused(DEMO_PIN, "only a supervisor", "supervisor")  # a picker's own badge and PIN
    desk.scan("BADGE-0009", DEMO_PIN)
    assert desk.step == "over_reason" and "supplier_extra" in desk.details
    desk.refused("9", "", "over_reason")
    desk.scan("1", f"]C100{supplier_sscc(24)}")
    assert not desk.error, desk.message
    assert "2 over" in desk.message
    assert moves(runtime) == before + 1
    line = po_line(runtime, "PO000002", "SKU-00006")
    assert line.received_quantity == 12
    with Session(runtime.engine) as session:
        received = session.exec(select(ReceiptLine).where(ReceiptLine.purchase_order_line_id == line.id)).one()
        assert received.over_quantity == 2 and received.over_reason == "supplier_extra (ok SUP1)"
        approvals = session.exec(select(AuthEvent).where(AuthEvent.kind == AuthKind.APPROVAL).order_by(AuthEvent.id)).all()
    assert [(event.operator, event.outcome) for event in approvals] == [
        ("SUP1", AuthOutcome.FAILED), (None, AuthOutcome.FAILED), ("PICK1", AuthOutcome.BLOCKED), ("SUP1", AuthOutcome.OK)]
    assert approvals[-1].terminal_id == "HH1" and "over-receipt 2 SKU-00006" in approvals[-1].detail


def test_cross_dock_when_a_back_order_waits(runtime):
    desk = open_receive(runtime)
    # SO-000001 (ship what is there, back order the rest) waits for 4 SKU-00030, on order with
    # PO000001. (SO-000003 waits too, but whole: it is released only when all of it is there.)
    desk.scan("PO000001", lot_scan(30, "LOT-X"), "6")
    desk.key("f2")
    assert desk.step == "crossdock", desk.message
    assert "SO-000001 waits" in desk.details and "back order SO-000001" in desk.message
    desk.refused("3", "", "crossdock")
    before = moves(runtime)
    desk.scan("1")
    assert not desk.error, desk.message
    assert desk.step == "item"
    assert moves(runtime) == before + 1
    # Cross-docked goods go where the order's picks go (WH1 delivers in 3 steps: Pack), picked.
    assert on_hand(runtime, "SKU-00030", "WH1/PACK") == 4
    assert on_hand(runtime, "SKU-00030", "WH1/INPUT") == 2
    with Session(runtime.engine) as session:
        line = session.exec(select(SalesOrderLine).join(Item, Item.id == SalesOrderLine.item_id)
                            .where(Item.sku == "SKU-00030")).one()
        assert (line.backordered_quantity, line.committed_quantity, line.picked_quantity) == (0, 4, 4)
        assert session.exec(select(func.count()).select_from(Reservation).where(Reservation.order_line_id == line.id)).one() == 0
    [putaway] = putaways(runtime, receipt_of(runtime, "PO000001"))
    assert (putaway.state, putaway.quantity) == ("open", 2)


def test_crash_mid_flow_resumes_at_the_same_step(runtime):
    desk = open_receive(runtime)
    desk.scan("PO000002", gtin13(1), "2")
    desk.key("f2")
    [label] = desk.printed
    pallet, receipt = label.reference, receipt_of(runtime, "PO000002")
    desk.scan(gtin13(31), "LOT-C")
    step, instruction, posted = desk.step, desk.instruction, moves(runtime)
    assert step == "expiry"
    # Battery swap: the terminal is gone without signing out; a new one on the same database.
    desk = desk.restart()
    desk.sign_in("BADGE-0003")
    assert desk.step == step and desk.instruction == instruction
    assert "resumed" in desk.message
    assert moves(runtime) == posted
    desk.type(f"{EXPIRY:%y%m%d}")
    desk.scan("7")
    assert not desk.error, desk.message
    assert moves(runtime) == posted + 1
    assert on_hand(runtime, "SKU-00031", "WH1/INPUT", pallet) == 7  # onto the pallet open before the crash
    assert [t.quantity for t in putaways(runtime, receipt)] == [2, 7]
    assert desk.printed == []


def test_closing_the_pallet_shows_none_open(runtime):
    desk = open_receive(runtime)
    desk.scan("PO000002", gtin13(6), "1")
    desk.key("f2")  # a new pallet for the first line
    [label] = desk.printed
    pallet = label.reference
    assert not desk.error and pallet in desk.details, desk.message
    desk.key("f3")
    assert not desk.error and f"pallet {pallet} closed" in desk.message, desk.message
    assert "no pallet open" in desk.details and pallet not in desk.details

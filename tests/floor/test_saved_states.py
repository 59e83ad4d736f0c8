"""A terminal resumes the step it saved, also when the step was saved before flow data was typed
(a plain JSON dict of the same keys: decimals and dates as strings, derived values included).
Driven through the Terminal itself: sign-in, scans and keys, no screen."""

import json

import pytest
from sqlmodel import Session, func, select

from tests.ui.test_pack_flow import pick_order, picked, scan_of, whole
from wms_tui.domain.flows import Expect, Flow, FlowDefinitionError, Step
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.quantities import display
from wms_tui.services.demo import DEMO_PIN
from wms_tui.services.floor.common import short_place
from wms_tui.services.floor.pick import PickData
from wms_tui.services.floor.terminal import FlowHandler, Terminal
from wms_tui.store.models import FloorSession, Item, ItemBarcode, StockMove
from wms_tui.store.session import transaction


def terminal(runtime) -> Terminal:
    floor = Terminal(runtime.engine, "HH1", "WH1")
    floor.open()
    return floor


def sign_in(floor: Terminal, badge: str):
    floor.submit(badge)
    return floor.submit(DEMO_PIN)


def save_old_format(runtime, operator: str, flow: str, step: str, data: dict, history: list) -> None:
    """Write the state as the terminal wrote it before flow data was typed."""
    state = {"flow": flow, "step": step, "data": data, "history": history, "confirm": None, "done": 0}
    with transaction(runtime.engine) as session:
        row = session.get(FloorSession, "HH1")
        row.operator, row.state = operator, json.dumps(state, sort_keys=True)


def moves(runtime) -> int:
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StockMove)).one()


def unit_barcode(runtime, sku: str) -> str:
    with Session(runtime.engine) as session:
        item = session.exec(select(Item).where(Item.sku == sku)).one()
        return session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == item.id,
                                                              ItemBarcode.packaging == "unit")).first()


def test_a_pick_saved_in_the_old_format_resumes_and_posts(runtime):
    floor = terminal(runtime)
    sign_in(floor, "BADGE-0001")
    floor.submit("1")
    floor.press(1)
    task: PickData = floor.state.data
    assert floor.state.step == "bin"
    # The old pick data: every fact of the task as strings, plus what was derived from them.
    at_bin = {
        "task": task.task, "bin": task.bin, "to": "?", "sku": task.sku, "name": task.name, "left": str(task.left),
        "lot": task.lot, "expiry": task.expiry.isoformat() if task.expiry else None, "tote": task.tote,
        "order": task.order, "list": None, "place": short_place(task.bin), "left_shown": display(task.left),
        "tote_shown": task.tote or "", "show": list(task.show), "progress": task.progress,
    }
    gtin = unit_barcode(runtime, task.sku)
    at_qty = {**at_bin, "at": task.bin, "at_raw": location_barcode(task.bin), "item_scan": gtin, "per_scan": "1",
              "unit": "units", "lot_scanned": task.lot}
    save_old_format(runtime, "PICK1", "pick", "qty", at_qty, [["item", {**at_bin, "at": task.bin}], ["bin", at_bin]])
    before = moves(runtime)

    again = terminal(runtime)
    screen = sign_in(again, "BADGE-0001")
    assert "resumed" in screen.message and screen.step == "qty", screen.message
    assert screen.instruction == f"0 of {display(task.left)}: scan, Enter"  # nothing counted in the old format
    assert again.press(4).step == "item"  # undo walks the saved history
    assert again.press(4).step == "bin"
    assert again.current().instruction == f"Scan bin {short_place(task.bin)}"
    save_old_format(runtime, "PICK1", "pick", "qty", at_qty, [])
    again = terminal(runtime)
    sign_in(again, "BADGE-0001")
    assert again.submit("1").step == "tote"
    screen = again.submit("TOTE-OLD")
    assert screen.ok and f"picked 1 {task.sku} into TOTE-OLD" in screen.message, screen.message
    assert moves(runtime) == before + 1


def test_a_box_saved_in_the_old_format_resumes_and_packs(runtime):
    number = pick_order(runtime)
    (gtin, lot), quantity = next(iter(picked(runtime, number).items()))
    floor = terminal(runtime)
    sign_in(floor, "BADGE-0002")
    floor.submit("1")
    floor.submit(number)
    screen = floor.submit("1")
    assert screen.step == "item", screen.message
    box, progress = floor.state.data.box, floor.state.data.progress
    scanned = floor.submit(scan_of(gtin, lot))
    assert scanned.step == "qty", scanned.message
    sku, item_id = floor.state.data.sku, floor.state.data.item_id
    in_box = {"order": number, "box": box, "kind": "box", "no": 1, "progress": progress, "packed_here": False,
              "show": [f"box 1 {box}"]}
    at_qty = {**in_box, "item_scan": gtin, "item_id": item_id, "per_scan": "1", "unit": "units", "sku": sku,
              "lot_scanned": lot}
    save_old_format(runtime, "PACK1", "pack", "qty", at_qty, [["item", in_box]])
    before = moves(runtime)

    again = terminal(runtime)
    screen = sign_in(again, "BADGE-0002")
    assert "resumed" in screen.message and screen.step == "qty" and screen.instruction == "Qty of units"
    screen = again.submit(whole(quantity))
    assert screen.ok and f"packed {whole(quantity)} {sku}" in screen.message, screen.message
    assert screen.step == "item" and again.state.data.packed_here and again.state.data.box == box
    assert moves(runtime) == before + 1


def test_a_saved_state_that_no_longer_reads_starts_at_the_menu(runtime):
    floor = terminal(runtime)
    sign_in(floor, "BADGE-0001")
    save_old_format(runtime, "PICK1", "pick", "qty", {"left": "not a number"}, [])
    screen = sign_in(terminal(runtime), "BADGE-0001")
    assert screen.ok and screen.flow == "menu" and "signed in" in screen.message


def test_a_handler_must_name_a_method_for_every_step():
    flow = Flow("two", "Two steps", (Step("a", Expect.ITEM, "a"), Step("b", Expect.BIN, "b")))
    with pytest.raises(FlowDefinitionError, match=r"steps without a handler \['b'\]"):
        type("Half", (FlowHandler,), {"flow": flow, "steps": {"a": lambda *args: None}})
    with pytest.raises(FlowDefinitionError, match=r"handlers without a step \['c'\]"):
        type("Extra", (FlowHandler,), {"flow": flow, "steps": {"a": None, "b": None, "c": None}})

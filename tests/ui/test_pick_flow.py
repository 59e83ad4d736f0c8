"""Pick on the floor screen, end to end at the three terminal sizes: scans through the replay
driver, the ledger checked afterwards (the steps one by one: tests/floor/test_pick.py)."""

import pytest
from sqlmodel import Session

from tests.floor.kit import held_task, moves
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.store.models import Task
from wms_tui.ui.app import WmsApp


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
        task = held_task(runtime, "PICK1")
        assert floor.step == "bin"
        assert task.bin.split("/", 2)[-1] in floor.instruction
        before = moves(runtime)
        await floor.refused(task.item_scan, "that is an item barcode", "bin")
        await floor.scan(task.bin_scan, task.item_scan, "1", "TOTE-9")
        assert not floor.error, floor.message
        assert f"picked 1 {task.sku} into TOTE-9" in floor.message
        assert moves(runtime) == before + 1
        # badge, PIN, menu choice, F1, four scans: once each; the refused scan: twice
        assert floor.bells == 1 + 1 + 1 + 1 + 2 + 4
        with Session(runtime.engine) as session:
            done = session.get(Task, task.id)
            assert done.done_quantity == 1 and done.assignee == "PICK1"
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())


async def test_a_one_unit_line_is_three_actions_and_enter_takes_a_count_at_20x16(runtime, tmp_path):
    from tests.floor.outbound import allocated_order, stocked_items

    first, second = stocked_items(runtime, 2, at_least=3)
    number = allocated_order(runtime, [(first, 1)])
    counted = allocated_order(runtime, [(second, 3)])
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        await floor.scan("1", number)
        task = held_task(runtime, "PICK1")
        before, bells = moves(runtime), floor.bells
        await floor.scan(task.bin_scan, task.item_scan, "TOTE-07")  # a one-unit line: three actions
        assert moves(runtime) == before + 1 and floor.bells == bells + 3, floor.message
        assert floor.flow == "menu" and "TOTE-07 to packing" in floor.message
        await floor.scan("1", counted)
        task = held_task(runtime, "PICK1")
        await floor.scan(task.bin_scan, task.item_scan, task.item_scan)
        assert floor.step == "qty" and moves(runtime) == before + 1
        await floor.type("")  # Enter alone takes the two counted
        assert floor.step == "tote" and f"2 {second}" in floor.instruction
        await floor.scan("TOTE-08")
        assert not floor.error and "picked 2" in floor.message and moves(runtime) == before + 2, floor.message
        assert floor.step == "item"

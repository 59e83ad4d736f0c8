"""Count on the floor screen, end to end at the three terminal sizes: a blind count of a planned
bin through the replay driver, the ledger checked afterwards (the steps one by one, recounts and
reasons: tests/floor/test_count.py)."""

import pytest
from sqlmodel import Session, select

from tests.floor.inbound import contents, item_scan, mixed_bin, plan
from tests.floor.kit import moves
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.domain.locations import location_barcode
from wms_tui.store.models import CountLine, Location, Task
from wms_tui.ui.app import WmsApp


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_blind_count_of_a_planned_bin(runtime, tmp_path, size):
    code = mixed_bin(runtime)
    held = contents(runtime, code)
    task_id = plan(runtime, code)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0001")
        await floor.scan("3")
        assert floor.flow == "count" and "1 counts open" in floor.details
        await floor.key("f1")
        assert floor.step == "at" and code.split("/")[-1] in floor.instruction, floor.message
        await floor.scan(location_barcode(code))
        assert floor.step == "item"
        shown = floor.details.replace(" ", "")
        assert all(f"{sku}?" in shown for sku, _lot, _quantity in held)  # blind: no quantities
        before = moves(runtime)
        for sku, lot, quantity in held:
            await floor.scan(item_scan(sku, lot), str(int(quantity)))
            assert not floor.error, floor.message
        assert "?" not in floor.details
        await floor.key("f5")
        assert not floor.error, floor.message
        assert f": {len(held)} as counted" in floor.message
        assert floor.step == "bin" and "1 bins" in floor.widget("status")
        assert moves(runtime) == before
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
    with Session(runtime.engine) as session:
        assert session.get(Task, task_id).state == "done"
        lines = session.exec(select(CountLine).join(Location, Location.id == CountLine.location_id)
                             .where(Location.code == code)).all()
        assert {line.state for line in lines} == {"posted"} and len(lines) == len(held)

"""Restock on the floor screen, end to end at the three terminal sizes: putaway of a received
pallet to the suggested bins through the replay driver, the ledger checked afterwards (the steps
one by one, refills and returns: tests/floor/test_restock.py)."""

import pytest
from sqlmodel import Session, select

from tests.floor.inbound import on_hand, received_pallet
from tests.floor.kit import held_task, moves
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.domain.locations import location_barcode
from wms_tui.store.models import Container, Location, Task
from wms_tui.ui.app import WmsApp


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_put_away_a_pallet_to_suggested_bins(runtime, tmp_path, size):
    pallet, task_ids = received_pallet(runtime)
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0003")
        await floor.scan("2")
        assert floor.flow == "restock" and "2 putaways open" in floor.details
        before = moves(runtime)
        await floor.scan(f"]C100{pallet}")
        assert floor.step == "to" and not floor.error, floor.message
        first = held_task(runtime, "RECV1")
        assert first.id == task_ids[0] and first.target.split("/")[-1] in floor.instruction
        await floor.scan(location_barcode(first.target))
        assert not floor.error, floor.message
        assert f"put 10 SKU-00001 in {first.target.split('/')[-1]}" in floor.message
        second = held_task(runtime, "RECV1")
        await floor.scan(location_barcode(second.target))
        assert not floor.error, floor.message
        assert floor.step == "take" and "0 putaways open" in floor.details
        assert moves(runtime) == before + 2
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
        assert "2 done" in floor.widget("status")
    assert on_hand(runtime, "SKU-00001", "WH1/INPUT") == 0 and on_hand(runtime, "SKU-00006", "WH1/INPUT") == 0
    with Session(runtime.engine) as session:
        assert all(session.get(Task, task_id).state == "done" for task_id in task_ids)
        container = session.exec(select(Container).where(Container.code == pallet)).one()
        assert session.get(Location, container.location_id).code == second.target

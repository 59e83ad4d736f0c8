"""Pack on the floor screen, end to end at the three terminal sizes: an order picked into WH1/PACK
is packed through the replay driver; the ledger (Pack -> Output), the container and the labels
the folder printer received are checked afterwards (the steps one by one: tests/floor/test_pack.py)."""

from __future__ import annotations

import pytest

from tests.floor.kit import moves, runtime_on_copy
from tests.floor.outbound import (
    SSCC_PREFIX,
    assert_packed_in_one_box,
    containers,
    in_zone,
    pick_order,
    picked,
    printer_config,
    scan_of,
    wait_for_files,
    whole,
)
from tests.labels.conftest import decode, pdf_pages
from tests.ui.floorkit import SIZE_IDS, SIZES, Floor
from wms_tui.ui.app import WmsApp


@pytest.fixture
def runtime(demo_template, tmp_path, monkeypatch):
    monkeypatch.setenv("WMS_PRINT_QUEUE", str(tmp_path / "print-queue.sqlite3"))
    runtime = runtime_on_copy(demo_template, tmp_path, extra=printer_config(tmp_path))
    yield runtime
    runtime.close()


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
async def test_pack_an_order_end_to_end(runtime, tmp_path, size):
    number = pick_order(runtime)
    lines = picked(runtime, number)
    total = sum(lines.values())
    assert in_zone(runtime, number, "PACK") == total
    app = WmsApp(runtime)
    async with app.run_test(size=size) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        assert "1 Pack" in floor.details
        await floor.scan("1")
        assert floor.flow == "pack" and "order or tote" in floor.instruction
        before = moves(runtime)
        await floor.scan(number)
        assert floor.step == "kind" and "1 box" in floor.details
        await floor.scan("1")
        assert floor.step == "item", floor.message
        [(box, _)] = containers(runtime, number)
        sscc = box.code
        assert len(sscc) == 18 and sscc.startswith(SSCC_PREFIX)
        for (gtin, lot), quantity in lines.items():
            await floor.scan(scan_of(gtin, lot), whole(quantity))
            assert not floor.error, floor.message
        assert "all packed" in floor.message
        assert moves(runtime) == before + len(lines)  # one Pack -> Output move per scan
        await floor.key("f2")
        assert floor.step == "weight"
        await floor.scan("12.5")
        assert not floor.error, floor.message
        assert f"{number} packed" in floor.message and floor.step == "order"
        # Container label and packing slip went to the folder printer.
        files = wait_for_files(tmp_path / "printed", 2)
        await floor.settle()
        await pilot.pause()
        assert "to print" not in floor.widget("status")
        assert all(len(line) <= size[0] for line in floor.widget("legend").splitlines())
    assert_packed_in_one_box(runtime, number, sscc, total)
    names = [path.name for path in files]
    assert any(name.startswith(f"container-{sscc}-") and name.endswith(".pdf") for name in names), names
    assert any(name.startswith(f"packing_slip-packingslip_{number}") for name in names), names
    label = next(path for path in files if path.name.startswith("container-"))
    (page,) = pdf_pages(label.read_bytes())
    assert ("]C1", f"00{sscc}") in decode(page)

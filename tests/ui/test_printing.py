"""The print station in the app: the status line shows labels waiting for an offline printer
until it is back; a terminal without a printer says nothing prints. (The station and the
labels themselves: tests/floor/test_printing.py.)"""

import asyncio
import time

from tests.floor.kit import runtime_on_copy
from tests.floor.outbound import packed_order, printer_config, wait_for_files
from tests.ui.floorkit import Floor
from wms_tui.ui.app import WmsApp


async def test_status_line_shows_labels_waiting_for_an_offline_printer(demo_template, tmp_path, monkeypatch, fast_retries):
    monkeypatch.setenv("WMS_PRINT_QUEUE", str(tmp_path / "print-queue.sqlite3"))
    blocker = tmp_path / "offline"
    blocker.write_text("not a folder")
    runtime = runtime_on_copy(demo_template, tmp_path, extra=printer_config(tmp_path, target=blocker / "labels"))
    try:
        number, _ = packed_order(runtime, close_last=False)
        app = WmsApp(runtime)
        async with app.run_test(size=(40, 25)) as pilot:
            floor = Floor(app, pilot, tmp_path)
            await floor.sign_in("BADGE-0002")
            await floor.scan("1", number)
            assert floor.step == "item", floor.message  # the open box is resumed
            await floor.key("f2")
            await floor.scan("2.5")
            assert not floor.error, floor.message
            await wait_for_status(floor, pilot, lambda text: "2 to print" in text)
            blocker.unlink()  # the printer is back
            files = await asyncio.to_thread(wait_for_files, blocker / "labels", 2)
            await wait_for_status(floor, pilot, lambda text: "to print" not in text)
            assert app.printing.pending() == 0
        assert app.printing is not None and app._station is None  # stopped on unmount
        assert sorted(path.name.split("-")[0] for path in files) == ["container", "packing_slip"]
    finally:
        runtime.close()


async def wait_for_status(floor: Floor, pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if condition(floor.widget("status")):
            return
    raise AssertionError(f"status line stayed {floor.widget('status')!r}")


async def test_terminal_without_printer_says_nothing_prints(runtime, tmp_path):
    number, _ = packed_order(runtime, close_last=False)
    app = WmsApp(runtime)
    async with app.run_test(size=(20, 16)) as pilot:
        floor = Floor(app, pilot, tmp_path)
        await floor.sign_in("BADGE-0002")
        await floor.scan("1", number)
        await floor.key("f3")
        assert floor.error and "no printer set" in floor.message
        assert app.printing is None

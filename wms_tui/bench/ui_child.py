"""Child process of `wms-tui bench ui`: `scans CONFIG N` signs in a picker, times N scans
driver -> screen while picking, counts the inputs each picked line took (one-unit lines, and
12-unit lines picked by their case barcode), and prints one JSON line."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlmodel import select

from drivers.scan import Scan
from wms_tui.domain.locations import location_barcode
from wms_tui.domain.quantities import display
from wms_tui.runtime import open_runtime
from wms_tui.services.demo import DEMO_PIN
from wms_tui.store.models import Item, ItemBarcode
from wms_tui.store.session import reading
from wms_tui.ui.app import WmsApp

# A picker's scans are hundreds of milliseconds apart; the bench waits two frames at 60 Hz
# after each answer. Back to back, every scan would arrive just after the frame that showed the
# last answer, and Textual draws at most one frame per 1/60 s: a quick answer would wait for
# that frame slot, which no picker's scan ever does.
PICKER_PAUSE_S = 2 / 60
ONE_UNIT = Decimal(1)
CASE = Decimal(12)  # the bench's case lines: 12 units, one case barcode of 12
ONE_UNIT_LINE, CASE_LINE = "one unit", "case"

if TYPE_CHECKING:  # the flows load after the sign-in screen, as in the app
    from wms_tui.services.floor.pick import PickData


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def barcodes_by_units(runtime) -> dict[tuple[str, Decimal], str]:
    """(SKU, units one scan counts) -> the barcode (a unit's, a case's)."""
    with reading(runtime.engine) as session:
        rows = session.exec(
            select(Item.sku, ItemBarcode.quantity, ItemBarcode.barcode).join(Item, Item.id == ItemBarcode.item_id)
        ).all()
    return {(sku, Decimal(units)): barcode for sku, units, barcode in rows}


def next_scan(step: str, data: PickData, barcodes: dict[tuple[str, Decimal], str]) -> str:
    """What a picker scans at each step of the pick flow: a whole line by its case barcode when
    one case is what the line wants, else unit by unit."""
    if step == "list":
        return "*1"
    if step == "bin":
        return location_barcode(data.bin)
    if step == "item":
        gtin = barcodes.get((data.sku, data.left)) or barcodes[(data.sku, ONE_UNIT)]
        # The lot first, ended by GS, as a scanner sends it: a lot ending in digits reads wrongly last.
        return f"]C110{data.lot}\x1d01{gtin.zfill(14)}" if data.lot else gtin
    if step == "qty":  # one unit counted: type how many there are in all
        return display(data.left / data.per_scan)
    if step == "tote":
        return data.tote or f"TOTE-{data.order}"
    raise RuntimeError(f"the pick flow stopped at step {step!r}")


async def timed_scans(config: str, count: int) -> dict:
    runtime = open_runtime(config)
    barcodes = barcodes_by_units(runtime)
    app = WmsApp(runtime)
    latencies: list[float] = []
    async with app.run_test(size=(40, 25)):
        screen = app.screen
        answered = asyncio.Event()

        def probe(seconds: float) -> None:
            if len(latencies) < count:  # the inputs after that only finish counting actions
                latencies.append(seconds * 1000)
            answered.set()

        screen.latency_probe = probe

        async def scan(code: str) -> None:
            answered.clear()
            app._from_driver(Scan.from_text(code, "bench"))  # what a driver thread delivers
            await answered.wait()
            if not screen.shown.ok:
                raise RuntimeError(f"scan {code!r} refused: {screen.shown.message}")
            await asyncio.sleep(PICKER_PAUSE_S)

        for code in ("BADGE-0001", DEMO_PIN, "*1"):
            await scan(code)
        latencies.clear()
        picks = 0
        actions: dict[str, list[int]] = defaultdict(list)  # kind of line -> inputs per line picked
        line_inputs = 0
        picked_by: set[str] = set()  # what was scanned for the line so far
        while len(latencies) < count or not all(actions.get(kind) for kind in (ONE_UNIT_LINE, CASE_LINE)):
            state = app.terminal.state
            if state.flow != "pick":
                raise RuntimeError(f"ran out of pick tasks after {len(latencies)} scans: {screen.shown.message}")
            if state.step == "list":
                line_inputs = 0  # claiming the next task is no action on a line
            line_inputs += state.step != "list"
            task, left = state.data.task, state.data.left
            code = next_scan(state.step, state.data, barcodes)
            await scan(code)
            picked_by.add(code)
            after = app.terminal.state  # the line is posted: another task or less left, or the list is done
            if after.flow != "pick" or after.data.task != task or after.data.left != left:
                picks += 1
                if left == ONE_UNIT:
                    actions[ONE_UNIT_LINE].append(line_inputs)
                elif left == CASE and barcodes.get((state.data.sku, CASE)) in picked_by:
                    actions[CASE_LINE].append(line_inputs)
                line_inputs = 0
                picked_by.clear()
        rss = resident_mb()
    runtime.close()
    ordered = sorted(latencies)
    return {
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
        "median_ms": round(statistics.median(ordered), 2),
        "rss_mb": round(rss, 1),
        "scans": len(latencies),
        "picks": picks,
        "actions_per_single_unit_line": max(actions[ONE_UNIT_LINE]),
        "actions_per_case_line": max(actions[CASE_LINE]),
    }


def main(argv: list[str]) -> None:
    mode, config = argv[0], argv[1]
    if mode == "scans":
        print(json.dumps(asyncio.run(timed_scans(config, int(argv[2])))))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Child process of `wms-tui bench ui`: `scans CONFIG N` signs in a picker, times N scans
driver -> screen while picking, and prints one JSON line."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
from typing import TYPE_CHECKING

from sqlmodel import select

from drivers.scan import Scan
from wms_tui.domain.locations import location_barcode
from wms_tui.runtime import open_runtime
from wms_tui.services.demo import DEMO_PIN
from wms_tui.store.models import Item, ItemBarcode
from wms_tui.store.session import reading
from wms_tui.ui.app import WmsApp

if TYPE_CHECKING:  # the flows load after the sign-in screen, as in the app
    from wms_tui.services.floor.pick import PickData


def resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def unit_barcodes(runtime) -> dict[str, str]:
    """SKU -> the barcode of one unit (what a picker scans)."""
    with reading(runtime.engine) as session:
        rows = session.exec(
            select(Item.sku, ItemBarcode.barcode).join(Item, Item.id == ItemBarcode.item_id).where(ItemBarcode.quantity == 1)
        ).all()
    return dict(rows)


def next_scan(step: str, data: PickData, barcodes: dict[str, str]) -> str:
    """What a picker scans at each step of the pick flow."""
    if step == "list":
        return "*1"
    if step == "bin":
        return location_barcode(data.bin)
    if step == "item":
        gtin = barcodes[data.sku]
        return f"]C101{gtin.zfill(14)}10{data.lot}" if data.lot else gtin
    if step == "qty":
        return "1"
    if step == "tote":
        return data.tote or "TOTE-B1"
    raise RuntimeError(f"the pick flow stopped at step {step!r}")


async def timed_scans(config: str, count: int) -> dict:
    runtime = open_runtime(config)
    barcodes = unit_barcodes(runtime)
    app = WmsApp(runtime)
    latencies: list[float] = []
    async with app.run_test(size=(40, 25)):
        screen = app.screen
        answered = asyncio.Event()

        def probe(seconds: float) -> None:
            latencies.append(seconds * 1000)
            answered.set()

        screen.latency_probe = probe

        async def scan(code: str) -> None:
            answered.clear()
            app._from_driver(Scan.from_text(code, "bench"))  # what a driver thread delivers
            await answered.wait()
            if not screen.shown.ok:
                raise RuntimeError(f"scan {code!r} refused: {screen.shown.message}")

        for code in ("BADGE-0001", DEMO_PIN, "*1"):
            await scan(code)
        latencies.clear()
        picks = 0
        while len(latencies) < count:
            state = app.terminal.state
            if state.flow != "pick":
                raise RuntimeError(f"ran out of pick tasks after {len(latencies)} scans: {screen.shown.message}")
            picks += state.step == "tote"
            await scan(next_scan(state.step, state.data, barcodes))
        rss = resident_mb()
    runtime.close()
    ordered = sorted(latencies)
    return {
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 2),
        "median_ms": round(statistics.median(ordered), 2),
        "rss_mb": round(rss, 1),
        "scans": len(latencies),
        "picks": picks,
    }


def main(argv: list[str]) -> None:
    mode, config = argv[0], argv[1]
    if mode == "scans":
        print(json.dumps(asyncio.run(timed_scans(config, int(argv[2])))))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Child process of `wms-tui bench console`: `CONFIG ROUNDS` runs the console headless at 120x40
and times dashboard refreshes, order searches and order pages (read in the worker thread, shown
and drawn), then prints one JSON line."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import statistics
import sys
import time

from textual.worker import WorkerCancelled

from wms_tui.bench.ui_child import resident_mb
from wms_tui.domain.outbound import OrderStatus
from wms_tui.runtime import open_runtime
from wms_tui.services import console_views
from wms_tui.ui.console.app import ConsoleApp
from wms_tui.ui.console.base import DeskScreen
from wms_tui.ui.console.orders import OrderScreen, open_order

SEARCHES = ("C001", "C003", "SO-00123", "SO-0009", "SKU-0004", "SKU-00123", "Northwind", "Fabrikam")


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 2)


async def drawn(app) -> None:
    """Until the screen has been refreshed with what was just shown."""
    refreshed = asyncio.Event()
    app.call_after_refresh(refreshed.set)
    await refreshed.wait()


async def settled(app, pilot) -> None:
    """Until the reads the last change started are done: its messages handled first (a filter
    change starts its read there), and a read replaced by a newer one is cancelled, not awaited.
    Only then is the next read timed, so it never races another."""
    await pilot.pause()
    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()
    await pilot.pause()


async def timed(screen: DeskScreen) -> float:
    """One read as the screen's worker does it, shown, and the screen drawn."""
    started = time.perf_counter()
    data = await asyncio.to_thread(screen.fetch)
    screen.show(data)
    await drawn(screen.app)
    return (time.perf_counter() - started) * 1000


async def measure(config: str, rounds: int) -> dict:
    runtime = open_runtime(config)
    rng = random.Random(7)
    app = ConsoleApp(runtime, operator="BENCH")
    numbers = [row.number for row in console_views.order_list(runtime.engine, limit=2000)]
    dashboard, searches, pages = [], [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(app, pilot)
        screen = app.screen
        screen.timer.pause()  # the timed refreshes stand for the timer's: one at a time, as it runs them
        for _ in range(rounds):
            dashboard.append(await timed(screen))
        screen.timer.resume()
        await pilot.press("f3")
        await settled(app, pilot)
        orders = app.screen
        search, status = orders.query_one("#search"), orders.query_one("#status")
        for number in range(rounds):
            search.value = rng.choice(SEARCHES) if number % 3 else ""
            status.value = rng.choice([s.value for s in OrderStatus]) if number % 3 == 0 else status.NULL
            await settled(app, pilot)  # the status change starts its own read
            searches.append(await timed(orders))
        for _ in range(rounds):
            # As Enter on a row of the list does: the order read, then its page shown with it.
            started = time.perf_counter()
            open_order(orders, rng.choice(numbers))
            while not isinstance(app.screen, OrderScreen):
                await asyncio.sleep(0.001)
            await drawn(app)
            pages.append((time.perf_counter() - started) * 1000)
            app.pop_screen()
            # The list reloads when it is shown again; a supervisor opens the next order after
            # that, so the next page is not timed racing the list's read.
            await settled(app, pilot)
        rss = resident_mb()
    runtime.close()
    return {
        "dashboard_p99_ms": p99(dashboard), "dashboard_median_ms": round(statistics.median(dashboard), 2),
        "search_p99_ms": p99(searches), "search_median_ms": round(statistics.median(searches), 2),
        "order_open_p99_ms": p99(pages), "order_open_median_ms": round(statistics.median(pages), 2),
        "rss_mb": round(rss, 1),
    }


def main(argv: list[str]) -> None:
    print(json.dumps(asyncio.run(measure(argv[0], int(argv[1])))))


if __name__ == "__main__":
    main(sys.argv[1:])

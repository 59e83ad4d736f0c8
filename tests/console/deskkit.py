"""Driving the console in tests: the app on the demo copy, waiting for its workers, and
reading the red or green line and the tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlmodel import Session, func, select

from wms_tui.store import finders, queries
from wms_tui.store.models import StockMove
from wms_tui.ui.console.app import ConsoleApp
from wms_tui.ui.console.base import DeskScreen, Said

SIZE = (120, 40)


SUPERVISOR_BADGE = "BADGE-0009"  # the demo's SUP1


def console(runtime, folder: Path) -> ConsoleApp:
    return ConsoleApp(runtime, operator="SUP1", queue_path=folder / "print-queue.sqlite3", export_folder=folder / "exports")


async def settle(app, pilot) -> None:
    """Until every desk screen on the stack has read and shown its data, no worker runs and no
    message waits (a worker's message may start another; a screen just switched to may not
    have started its read yet)."""
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        reading = any(isinstance(screen, DeskScreen) and screen.loading for screen in app.screen_stack)
        if not reading and all(worker.is_finished for worker in app.workers):
            return
    raise AssertionError("the console did not settle")


async def rendered(app, pilot, widget_id: str, wanted: str, timeout_s: float = 5.0) -> str:
    """The widget's text once it shows `wanted` (a reload after an action may still be on its
    way when the action's own line is said), or as it stands when the time is up."""
    for _ in range(int(timeout_s / 0.05)):
        text = str(app.screen.query_one(f"#{widget_id}").render())
        if wanted in text:
            return text
        await pilot.pause(0.05)
    return str(app.screen.query_one(f"#{widget_id}").render())


def said(app) -> tuple[str, bool]:
    """The last action's line and whether it was refused (shown in red)."""
    line = app.screen.query_one(Said)
    return str(line.render()), line.has_class("-refused")


def cells(app, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}")
    return [[str(cell) for cell in table.get_row(row.key)] for row in table.ordered_rows]  # as shown (sorted)


def moves(runtime) -> int:
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StockMove)).one()


async def answer(app, pilot, **fields: str) -> None:
    """Type into the open form (Ask) and hand it over, then wait for the action."""
    for name, value in fields.items():
        app.screen.query_one(f"#ask-{name}").value = value
    await pilot.press("ctrl+s")
    await settle(app, pilot)


def bin_stock(runtime, sku: str, location: str) -> Decimal:
    with Session(runtime.engine) as session:
        return queries.on_hand_at(session.connection(), finders.item_by_sku(session, sku).id, finders.location_by_code(session, location).id)

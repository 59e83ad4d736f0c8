"""Driving a floor terminal in tests without Textual: a demo database per test, the `Terminal`
service called as the app's input thread calls it, and the ledger read afterwards."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, func, select

from wms_tui.domain.flows import PrintRequest, Screenful
from wms_tui.domain.locations import location_barcode
from wms_tui.runtime import Runtime, open_runtime
from wms_tui.services.demo import DEMO_PIN, build_demo
from wms_tui.services.floor.terminal import Terminal
from wms_tui.store import migrate
from wms_tui.store.db import make_engine
from wms_tui.store.models import Item, ItemBarcode, Location, Lot, StockMove, Task


def fill_demo(engine: Engine) -> None:
    """The demo warehouse the floor tests work in, into a migrated database."""
    build_demo(engine, items=60)


def build_template(folder: Path) -> Path:
    """A migrated demo database, checkpointed so a plain file copy is a complete database."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    fill_demo(engine)
    engine.dispose()
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def runtime_on_copy(template: Path, folder: Path, *, terminal: str = "HH1", extra: str = "") -> Runtime:
    database = folder / "wms.db"
    if not database.exists():
        shutil.copy(template, database)
    return runtime_on(f"sqlite:///{database}", folder, terminal=terminal, extra=extra)


def runtime_on(url: str, folder: Path, *, terminal: str = "HH1", extra: str = "") -> Runtime:
    """Terminal `terminal` on the database at `url` (a SQLite file or a PostgreSQL database)."""
    config = folder / f"{terminal}.toml"
    config.write_text(f'[database]\nurl = "{url}"\n[terminal]\nid = "{terminal}"\n{extra}')
    return open_runtime(str(config))


def another_terminal(runtime: Runtime, folder: Path, terminal: str, extra: str = "") -> Runtime:
    """A second terminal on the same database as `runtime`."""
    return runtime_on(runtime.settings.database.url, folder, terminal=terminal, extra=extra)


def moves(runtime: Runtime) -> int:
    """Stock moves in the ledger: a refused scan must not change it."""
    with Session(runtime.engine) as session:
        return session.exec(select(func.count()).select_from(StockMove)).one()


class Desk:
    """One terminal of a runtime, driven input by input; `shown` is the last screenful."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        settings = runtime.settings.terminal
        self.terminal = Terminal(runtime.engine, settings.id, settings.warehouse, security=runtime.settings.security,
                                 date_order=runtime.settings.ui.date_order)
        self.shown: Screenful = self.terminal.open()
        self.printed: list[PrintRequest] = []  # what committed inputs asked to print

    def restart(self) -> Desk:
        """The terminal again after a crash or a battery swap: a new service on the same database."""
        return Desk(self.runtime)

    def _answer(self, screenful: Screenful) -> None:
        self.shown = screenful
        self.printed.extend(screenful.prints)

    def scan(self, *codes: str) -> None:
        """Scans (or typed lines: the terminal takes both as text), one input each."""
        for code in codes:
            self._answer(self.terminal.submit(code))

    type = scan

    def key(self, name: str) -> None:
        """A function key by name, "f1" .. "f10"."""
        self._answer(self.terminal.press(int(name.removeprefix("f"))))

    def sign_in(self, badge: str, pin: str = DEMO_PIN) -> None:
        """The badge (or id), then the PIN."""
        self.scan(badge, pin)
        assert not self.error, self.message

    def refused(self, code: str, words: str, step: str) -> None:
        """The scan is refused: the reason, the same step, and nothing posted."""
        posted = moves(self.runtime)
        self.scan(code)
        assert self.error and words in self.message, self.message
        assert self.step == step, (self.step, self.message)
        assert moves(self.runtime) == posted

    @property
    def error(self) -> bool:
        return not self.shown.ok

    @property
    def message(self) -> str:
        return self.shown.message

    @property
    def instruction(self) -> str:
        return self.shown.instruction

    @property
    def details(self) -> str:
        return "\n".join(self.shown.details)

    @property
    def step(self) -> str:
        return self.shown.step

    @property
    def flow(self) -> str:
        return self.shown.flow

    @property
    def progress(self) -> str:
        return self.shown.progress

    @property
    def status(self) -> str:
        """The status line's lead: the document, then the progress ("SO-9 3/7")."""
        return self.shown.status


@dataclass(frozen=True)
class HeldTask:
    """A task an operator has claimed, with what a scan of it needs."""

    id: int
    bin: str  # location code (from-location)
    target: str | None  # location code it goes to (putaway, refill)
    sku: str
    lot: str | None
    gtin: str  # the item's unit barcode

    @property
    def bin_scan(self) -> str:
        return location_barcode(self.bin)

    @property
    def item_scan(self) -> str:
        """The unit barcode; a lot-tracked item's as GS1-128 with its lot."""
        return f"]C101{self.gtin.zfill(14)}10{self.lot}" if self.lot else self.gtin


def held_task(runtime: Runtime, operator: str) -> HeldTask:
    """The one task `operator` has claimed (the step's data is the terminal's own business)."""
    with Session(runtime.engine) as session:
        [task] = session.exec(select(Task).where(Task.assignee == operator, Task.state == "claimed")).all()
        code = lambda location_id: session.get(Location, location_id).code if location_id else None  # noqa: E731
        gtin = session.exec(select(ItemBarcode.barcode).where(ItemBarcode.item_id == task.item_id,
                                                              ItemBarcode.packaging == "unit")).first()
        return HeldTask(task.id, code(task.location_id), code(task.target_location_id),
                        session.get(Item, task.item_id).sku, session.get(Lot, task.lot_id).code if task.lot_id else None,
                        gtin)

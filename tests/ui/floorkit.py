"""Driving the floor app in tests: scans played through the real replay driver, and readers
for what the screen shows (the databases come from tests.floor.kit)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from textual.widgets import Input, Static
from textual.worker import WorkerFailed

from drivers.replay import ReplayDriver, escape_line
from drivers.settings import ReplaySettings
from tests.floor.kit import moves
from wms_tui.services.demo import DEMO_PIN
from wms_tui.ui.app import WmsApp

SIZES = [(20, 16), (40, 25), (80, 24)]
SIZE_IDS = ["20x16", "40x25", "80x24"]


class Floor:
    """One app under test: scan, press keys, and read the screen."""

    def __init__(self, app: WmsApp, pilot, folder: Path) -> None:
        self.app = app
        self.pilot = pilot
        self.folder = folder
        self.bells = 0
        self.captures = 0
        app.bell = self._bell  # count bells instead of beeping

    def _bell(self) -> None:
        self.bells += 1

    async def settle(self) -> None:
        screen = self.app.screen
        for _ in range(500):
            with contextlib.suppress(WorkerFailed):  # the app shows a failed worker in red (tests read it)
                await self.app.workers.wait_for_complete()
            await self.pilot.pause()
            if not screen.outstanding:
                return
        raise AssertionError("the floor screen did not settle")

    async def scan(self, *codes: str) -> None:
        """Play scans through the replay driver, as a scanner would send them."""
        self.captures += 1
        capture = self.folder / f"capture-{self.captures}.txt"
        capture.write_text("".join(escape_line(code) + "\n" for code in codes))
        driver = ReplayDriver(ReplaySettings(path=str(capture)), self.app._from_driver)
        driver.start()
        try:
            for _ in range(1000):
                if driver.finished:
                    break
                await asyncio.sleep(0.005)
            else:
                raise AssertionError("replay did not finish")
        finally:
            driver.stop()
        await self.pilot.pause()
        await self.settle()

    async def type(self, value: str) -> None:
        """Typed input: the fallback when a label does not scan."""
        self.app.screen.query_one("#scan", Input).value = value
        await self.pilot.press("enter")
        await self.settle()

    async def refused(self, code: str, words: str, step: str) -> None:
        """The scan is refused: the reason in red, two bells, the same step, focus kept, and
        nothing posted."""
        bells, posted = self.bells, moves(self.app.runtime)
        await self.scan(code)
        assert self.error and words in self.message, self.message
        assert self.bells == bells + 2
        assert self.step == step
        assert moves(self.app.runtime) == posted
        assert self.input_focused()

    async def key(self, name: str) -> None:
        await self.pilot.press(name)
        await self.settle()

    def widget(self, name: str) -> str:
        return str(self.app.screen.query_one(f"#{name}", Static).render())

    @property
    def instruction(self) -> str:
        return self.widget("instruction")

    @property
    def message(self) -> str:
        return self.widget("message")

    @property
    def details(self) -> str:
        return self.widget("details")

    @property
    def error(self) -> bool:
        return self.app.screen.query_one("#message", Static).has_class("error")

    @property
    def step(self) -> str:
        return self.app.screen.shown.step

    @property
    def flow(self) -> str:
        return self.app.screen.shown.flow

    def input_focused(self) -> bool:
        return self.app.focused is self.app.screen.query_one("#scan", Input)

    async def sign_in(self, badge: str) -> None:
        """The badge, then the demo PIN."""
        await self.scan(badge)
        await self.type(DEMO_PIN)
        assert not self.error, self.message

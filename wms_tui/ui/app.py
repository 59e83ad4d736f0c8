"""The wms-tui terminal app: one floor screen driven by scans, typed input and F-keys.

The scanner driver runs in its own thread and only posts messages; database work runs in
thread workers that only post messages back. Inputs are handled strictly one after another,
in the order they arrived. Every thread worker runs with exit_on_error=False: one handler
(on_worker_state_changed) logs a failure and shows it, and the terminal keeps running.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.worker import Worker, WorkerState

from drivers import ScannerSettings, create_driver, settings_from_mapping
from drivers.base import DriverEvent, ScannerDriver
from wms_tui.config import UI_KEYS
from wms_tui.runtime import Runtime
from wms_tui.ui.screens.floor import FloorScreen

if TYPE_CHECKING:
    from wms_tui.services.floor.terminal import Terminal
    from wms_tui.services.print_station import PrintStation
    from wms_tui.sync.worker import SyncWorker

log = logging.getLogger(__name__)

DriverFactory = Callable[[ScannerSettings, Callable[[DriverEvent], None]], ScannerDriver]


class WmsApp(App, inherit_bindings=False):  # Textual's own ctrl+q has no id: a keymap could not move it
    BINDINGS = [
        Binding(UI_KEYS["quit"], "quit", "Quit", show=False, priority=True, id="quit"),
        Binding("ctrl+c", "help_quit", show=False, system=True),
    ]
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "wms-tui"
    # Handheld, dock station, desktop: the screen gets -narrow, -normal or -wide.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (40, "-normal"), (80, "-wide")]

    @dataclass
    class Notice(Message):
        text: str  # a problem the operator should see, from a worker thread

    @dataclass
    class ScannerEvent(Message):
        event: Any  # drivers.base.DriverEvent, posted from the driver thread

    class Busy(Message):
        """An input waits for another writer (an import) to let go of the database."""

    class PrintsChanged(Message):
        """The number of labels waiting to print changed (posted from the print station's threads)."""

    @dataclass
    class SyncChanged(Message):
        text: str  # the status line's sync words, posted by the sync thread after every round

    def __init__(
        self, runtime: Runtime, *, scanner: ScannerSettings | None = None, driver_factory: DriverFactory | None = None,
        finale: str = "",
    ) -> None:
        super().__init__()
        self.runtime = runtime
        self.finale = finale  # what the screen says when a replayed capture (the demo tour) has ended
        scanner = scanner or settings_from_mapping(runtime.settings.scanner)
        self.terminal: Terminal | None = None  # built by prepare() once the screen is up
        self.terminal_ready = threading.Event()
        self.scanner_settings = scanner
        self.driver_factory = driver_factory or create_driver
        self.driver: ScannerDriver | None = None
        self.printing: PrintStation | None = None  # set by start_printing() when the terminal has a printer
        self.printing_ready = threading.Event()
        self._printing_start: Worker | None = None  # start_printing(), once the screen is ready
        self._station: PrintStation | None = None  # the station this app started (and stops)
        self.sync_text = ""  # "synced 4 s ago", "23 to send", "offline 12 min"; empty: no central
        self._sync: SyncWorker | None = None  # started by start_sync() when [central] url is set
        self._sync_start: Worker | None = None
        self.sync_ready = threading.Event()
        self.set_keymap(runtime.settings.ui.keys)  # a site's own keys for the bindings ([ui.keys])

    def get_default_screen(self) -> FloorScreen:
        return FloorScreen()

    def on_mount(self) -> None:
        # A keyboard-wedge scanner types into the focused input: no driver thread for it.
        if self.scanner_settings.driver != "wedge":
            self.driver = self.driver_factory(self.scanner_settings, self._from_driver)
            self.driver.start()

    def on_ready(self) -> None:
        # After the sign-in screen is up: start-up does not wait for these, and what they
        # report (a printer that did not start, a failure) shows on it.
        self.prepare()
        self._printing_start = self.start_printing()
        if self.runtime.settings.central.url:
            self._sync_start = self.start_sync()

    @work(thread=True, group="prepare", exit_on_error=False)
    def prepare(self) -> None:
        """Load the terminal service, then the flows, while the operator reaches for the badge.
        Inputs that arrive meanwhile wait in the screen's queue (see wait_for_terminal)."""
        from wms_tui.services.floor.terminal import Terminal, load_flows

        settings = self.runtime.settings.terminal
        try:
            self.terminal = Terminal(self.runtime.engine, settings.id, settings.warehouse,
                                     self.scanner_settings.interpretation, security=self.runtime.settings.security,
                                     date_order=self.runtime.settings.ui.date_order,
                                     on_busy=lambda: self.post_message(self.Busy()))
        finally:
            self.terminal_ready.set()  # a terminal that failed to start is answered, not waited for
        load_flows()
        from wms_tui.domain.errors import WmsError
        from wms_tui.services.floor.numbering import range_from_config

        try:
            range_from_config(self.runtime.engine, settings.id, self.runtime.settings.sscc)
        except WmsError as exc:  # packing will say it has no numbers; the reason shows now
            self.post_message(self.Notice(f"SSCC numbers not set up: {exc}"))
        # What start-up loaded (modules, flows, the GS1 tables) lives as long as the app: kept out
        # of the collector's full passes, which would otherwise walk it during a scan.
        gc.freeze()

    def wait_for_terminal(self, timeout: float = 60.0) -> Terminal:
        if not self.terminal_ready.wait(timeout) or self.terminal is None:
            raise RuntimeError("the terminal service did not start")
        return self.terminal

    def _from_driver(self, event: DriverEvent) -> None:
        self.post_message(self.ScannerEvent(event))  # thread-safe: the driver thread only posts

    def on_wms_app_scanner_event(self, message: ScannerEvent) -> None:
        screen = self.screen
        if isinstance(screen, FloorScreen):
            screen.driver_event(message.event)

    def set_counting(self, counting: bool) -> None:
        """Steps that count repeated scans of one label switch the duplicate filter off."""
        if self.driver is not None:
            self.driver.counting = counting

    def queue_prints(self, requests) -> None:
        """Labels and slips a committed scan asked for go to this terminal's print queue."""
        if self.printing is None:
            self.screen.say("no printer set for this terminal ([terminal] printer): nothing printed", ok=False)
            return
        self.printing.submit(requests)

    def prints_pending_text(self) -> str:
        pending = self.printing.pending() if self.printing is not None else 0
        return f"{pending} to print" if pending else ""

    @work(thread=True, group="printing", exit_on_error=False)
    def start_printing(self) -> None:
        """The print station of a terminal with a printer, built off the UI thread (labels load
        late); its threads reach the app only by posting PrintsChanged and Notice messages."""
        try:
            from wms_tui.services.print_station import start_for_terminal

            station = start_for_terminal(
                self.runtime.engine, self.runtime.settings,
                on_change=lambda: self.post_message(self.PrintsChanged()),
                notify=lambda text: self.post_message(self.Notice(text)),
            )
            if station is not None:
                self.printing = self._station = station
        finally:
            self.printing_ready.set()

    @work(thread=True, group="sync", exit_on_error=False)
    def start_sync(self) -> None:
        """The sync thread of a terminal with a central service: it pushes and pulls on its own
        and reaches the app only by posting SyncChanged; a scan never waits on the network."""
        from wms_tui.sync.client import SyncClient
        from wms_tui.sync.worker import SyncWorker, endpoint_from

        settings = self.runtime.settings
        try:
            client = SyncClient(self.runtime.engine, endpoint_from(settings), batch_size=settings.central.batch_size)
            self._sync = SyncWorker(client, settings.central.interval_s, lambda text: self.post_message(self.SyncChanged(text)))
            self._sync.start()
        finally:
            self.sync_ready.set()

    def push_soon(self) -> None:
        """The floor may have posted: a terminal that syncs sends it now (no-op otherwise)."""
        if self._sync is not None:
            self._sync.nudge()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker ends up: logged, shown in red, the terminal keeps running."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            log.error("worker %s failed", event.worker.name, exc_info=error)
            self.post_message(self.Notice(f"system error in {event.worker.name}: {error}"))

    def on_wms_app_prints_changed(self, message: PrintsChanged) -> None:
        if isinstance(self.screen, FloorScreen):
            self.screen.update_status()

    def on_wms_app_sync_changed(self, message: SyncChanged) -> None:
        self.sync_text = message.text
        if isinstance(self.screen, FloorScreen):
            self.screen.update_status()

    def on_wms_app_busy(self, message: Busy) -> None:
        if isinstance(self.screen, FloorScreen):
            self.screen.say("busy: the database is in use, your input waits", ok=True, ring=False)

    def on_wms_app_notice(self, message: Notice) -> None:
        if isinstance(self.screen, FloorScreen):
            self.screen.say(message.text, ok=False)

    def on_unmount(self) -> None:
        if self._sync_start is not None:
            self.sync_ready.wait(10)  # a sync thread still starting is stopped too
        if self._sync is not None:
            self._sync.stop()  # joins it after its round; what is unsent stays in the outbox
            self._sync.client.close()
            self._sync = None
        if self._printing_start is not None:
            self.printing_ready.wait(10)  # a station still starting is stopped too
        if self._station is not None:
            self._station.stop()  # joins its threads; queued jobs stay in the queue file
            self._station = None
        if self.driver is not None:
            self.driver.stop()  # joins the driver thread
            self.driver = None

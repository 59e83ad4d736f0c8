"""The supervisor console (`wms-tui console`): a desktop app over the same database and services
as the floor. Screens are modes switched by F-keys or the command palette (Ctrl+P)."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from wms_tui.runtime import Runtime
from wms_tui.ui.console.base import export_folder_default
from wms_tui.ui.console.dashboard import DashboardScreen
from wms_tui.ui.console.drawing_cycles import break_drawing_cycles

# mode -> (key, footer label, palette title, what it is for): one key and one palette entry per screen.
SCREENS = {
    "dashboard": ("f2", "Dashboard", "Dashboard", "Open work, who holds it, orders by status, exceptions, pace, printers, terminals"),
    "orders": ("f3", "Orders", "Orders desk", "Find, enter, confirm, allocate, cancel, re-open, invoice, payments, returns"),
    "aging": ("f4", "Aging", "Receivables aging", "Unpaid invoices per customer by days overdue"),
    "purchasing": ("f5", "Purchasing", "Purchasing",
                   "Reorder suggestions and buy-to-order in one action, new POs, receipts, supplier invoices and holds"),
    "inventory": ("f6", "Inventory", "Inventory", "Stock by item, location or lot, moves, valuation, transfers, kits, counts, refills, scrap"),
    "exceptions": ("f7", "Exceptions", "Exceptions", "Short picks, count differences, over-receipts, failed prints, stock exceptions: resolve, recorded"),
    "people": ("f8", "People", "People and devices", "Operators (add, block, PIN, role), printers (test print, queue, retry), terminals (enrol, revoke)"),
}


def later(module: str, screen: str) -> Callable[[], Screen]:
    """A desk whose module (and the services behind it) loads when it is first opened, so the
    console starts on the dashboard sooner."""

    def make() -> Screen:
        desk = import_module(f"wms_tui.ui.console.{module}")
        gc.freeze()  # what the desk's modules loaded lives as long as the app (see ConsoleApp.on_mount)
        return getattr(desk, screen)()

    return make


class ConsoleApp(App):
    CSS_PATH = Path(__file__).with_name("console.tcss")
    TITLE = "wms-tui console"
    MODES = {
        "dashboard": DashboardScreen,
        "orders": later("orders", "OrdersScreen"),
        "aging": later("orders", "AgingScreen"),
        "purchasing": later("purchasing", "PurchasingScreen"),
        "inventory": later("inventory", "InventoryScreen"),
        "exceptions": later("exceptions", "ExceptionsScreen"),
        "people": later("people", "PeopleScreen"),
    }
    DEFAULT_MODE = "dashboard"
    # The footer keeps its width for the screen's actions; the screen keys are in the header.
    # F1 lists every key of the screen: a narrow footer cuts the last ones off (the footer shows ^p palette).
    SUB_TITLE = " ".join([*(f"{key.upper()} {label}" for key, label, _, _ in SCREENS.values()), "F1 Keys"])
    BINDINGS = [
        *(Binding(key, f"switch_mode('{mode}')", label, show=False) for mode, (key, label, _, _) in SCREENS.items()),
        Binding("f1", "toggle_keys", "Keys", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False),
    ]

    def __init__(self, runtime: Runtime, *, operator: str = "console", queue_path: Path | None = None,
                 export_folder: Path | None = None) -> None:
        super().__init__()
        break_drawing_cycles()  # the collector's passes otherwise find each line drawn, in the page being opened
        self.runtime = runtime
        self.operator = operator
        self.printer_names = sorted(runtime.settings.printers)
        self.queue_path = queue_path
        self.export_folder = export_folder or export_folder_default()

    def on_mount(self) -> None:
        # What start-up loaded (modules, models, styles) lives as long as the app: kept out of
        # the collector's full passes, which otherwise walk it again and again (a pass took
        # ~0.3 s, the slowest of order pages opened in a row). `wms-tui console` starts with
        # the collector off: on from here.
        gc.freeze()
        gc.enable()

    def posting_context(self):
        """Moves the console posts (re-open, returns) carry this station and operator."""
        return self.runtime.posting_context(self.operator)

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):  # by name: importing the widget loads a Markdown parser at start
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, (key, _, title, help_text) in SCREENS.items():
            yield SystemCommand(f"{title} ({key.upper()})", help_text, lambda mode=mode: self.switch_mode(mode))
